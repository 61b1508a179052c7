import { startHarness, type Harness } from '../support/harness';

// A known path asked with the wrong method answers 405 with the methods it takes; an unknown path 404.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { worker: false });
});
afterAll(async () => {
  await h?.close();
});

test('wrong method on a known path is 405 with Allow', async () => {
  const res = await h.request('DELETE', '/handoffs/handoff-D-1', { token: h.tokens.admin });
  expect(res.status).toBe(405);
  expect(res.headers.get('allow')).toBe('GET, HEAD');
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);

  const post = await h.request('GET', '/handoffs/handoff-D-1/signoff', { token: h.tokens.admin });
  expect(post.status).toBe(405);
  expect(post.headers.get('allow')).toBe('POST');
  expect((await h.request('PUT', '/handoffs')).headers.get('allow')).toBe('POST, GET, HEAD');
});

test('an unknown path is 404', async () => {
  expect((await h.request('GET', '/nothing/here', { token: h.tokens.admin })).status).toBe(404);
});
