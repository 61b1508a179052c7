import { createToken, revokeTokens } from '../../src/db/tokens';
import { TOKEN_CACHE_MS } from '../../src/api/auth';
import type { Harness } from '../support/harness';
import { startApiHarness } from './support';

// The API remembers a valid token's principal for TOKEN_CACHE_MS, so a revocation (from the CLI, in
// another process) reaches it within that time, and a token never valid is never let in.

let h: Harness;
beforeAll(async () => {
  h = await startApiHarness({}, { worker: false });
});
afterAll(async () => {
  await h?.close();
});

test('a revoked token is refused once the short memory of it has passed', async () => {
  const token = await createToken(h.pool, { id: 'u-revoked', name: 'Rita Revoked', roles: ['reviewer'] });
  expect((await h.request('GET', '/inbox', { token })).status).toBe(200);
  expect(await revokeTokens(h.pool, 'u-revoked')).toBe(1);
  const revokedAt = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - revokedAt < TOKEN_CACHE_MS + 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = (await h.request('GET', '/inbox', { token })).status;
  }
  expect(status).toBe(401);
  // And it stays out.
  expect((await h.request('GET', '/inbox', { token })).status).toBe(401);
});

test('a token that was never valid is refused every time, however often it is tried', async () => {
  for (let i = 0; i < 3; i++) expect((await h.request('GET', '/inbox', { token: 'hnd_not-a-real-token' })).status).toBe(401);
});
