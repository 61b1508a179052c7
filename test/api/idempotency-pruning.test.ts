import { startHarness, type Harness } from '../support/harness';

// Idempotency keys are kept a day: the next keyed POST prunes older ones, and a stale key reused
// after that counts as a new request.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { worker: false });
});
afterAll(async () => {
  await h?.close();
});

test('keys older than a day are pruned by the next keyed request', async () => {
  await h.pool.query(
    `INSERT INTO idempotency_keys (principal_id, key, method, path, request_hash, status, body, created_at)
     VALUES ('u-ben', 'old-key', 'POST', '/handoffs', 'x', 201, '{}', now() - interval '25 hours'),
            ('u-ben', 'recent-key', 'POST', '/handoffs', 'x', 201, '{}', now() - interval '1 hour')`,
  );
  const res = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: { dealId: 'bad deal id' }, headers: { 'idempotency-key': `k-${Date.now()}` } });
  expect(res.status).toBe(400);

  const deadline = Date.now() + 5_000;
  let keys: string[] = [];
  do {
    keys = (await h.pool.query("SELECT key FROM idempotency_keys WHERE key IN ('old-key', 'recent-key') ORDER BY key")).rows.map((r) => r.key);
    if (keys.includes('old-key')) await new Promise((r) => setTimeout(r, 50));
  } while (keys.includes('old-key') && Date.now() < deadline);
  expect(keys).toEqual(['recent-key']);
});
