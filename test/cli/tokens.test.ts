import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPool, type Pool } from '../../src/db/pool';
import { actorForToken } from '../../src/db/tokens';

// `handoff tokens create` and `revoke`, run as the real CLI against the test Postgres: a created
// token names its principal and roles; a revoked one names nobody.

const run = promisify(execFile);
const cli = path.resolve(__dirname, '..', '..', 'bin', 'handoff.js');
const handoff = (...args: string[]) => run(process.execPath, [cli, ...args], { env: process.env });

let pool: Pool;
beforeAll(() => {
  pool = createPool(process.env.DATABASE_URL!);
});
afterAll(async () => {
  await pool?.end();
});

test('a created token works until its principal is revoked', async () => {
  const principal = `u-cli-${Date.now()}`;
  const token = (await handoff('tokens', 'create', '--principal', principal, '--role', 'reviewer')).stdout.trim();
  expect(token).toMatch(/^hnd_/);
  expect(await actorForToken(pool, token)).toEqual({ id: principal, roles: ['reviewer'] });

  const revoked = await handoff('tokens', 'revoke', '--principal', principal);
  expect(revoked.stdout).toBe(`revoked 1 token of ${principal}\n`);
  expect(await actorForToken(pool, token)).toBeUndefined();
});

test('revoke needs a principal and takes no roles', async () => {
  await expect(handoff('tokens', 'revoke')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--principal <id> is required/) });
  await expect(handoff('tokens', 'revoke', '--principal', 'u-x', '--role', 'admin')).rejects.toMatchObject({ code: 2 });
});
