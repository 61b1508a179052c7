import { loadSharedFixture, withDealId } from '../support/fixtures';
import type { Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// POSTs with an Idempotency-Key: a replay gets the first answer, another request under the same key
// is refused, and keys are per principal.

let h: Harness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

const post = (path: string, token: string, body: unknown, key?: string) =>
  h.request('POST', path, { token, body, headers: key ? { 'idempotency-key': key } : {} });

test('a replayed start answers with the first answer, status and body', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'idem');
  const first = await post('/handoffs', h.tokens['u-ben'], bundle, 'start-1');
  expect(first.status).toBe(201);
  const replay = await post('/handoffs', h.tokens['u-ben'], bundle, 'start-1');
  expect(replay.status).toBe(201);
  expect(replay.body).toEqual(first.body);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.headers.get('location')).toBe(first.headers.get('location'));
  // Without the key the second start is the ordinary "already running" answer.
  expect((await post('/handoffs', h.tokens['u-ben'], bundle)).status).toBe(200);
});

test('the same key with a different request is refused with 422', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'idem2');
  expect((await post('/handoffs', h.tokens['u-ben'], bundle, 'start-2')).status).toBe(201);
  const other = await post('/handoffs', h.tokens['u-ben'], { ...bundle, dealId: `${bundle.dealId}-x` }, 'start-2');
  expect(other.status).toBe(422);
  expect(other.headers.get('content-type')).toMatch(/application\/problem\+json/);
  const otherRoute = await post('/handoffs/handoff-nope/cancel', h.tokens['u-ben'], { reason: 'x' }, 'start-2');
  expect(otherRoute.status).toBe(422);
});

test('keys belong to a principal: another caller with the same key gets an answer of their own', async () => {
  const mine = await post('/handoffs', h.tokens['u-ben'], {}, 'shared-key');
  const theirs = await post('/handoffs', h.tokens['u-chen'], {}, 'shared-key');
  expect(mine.status).toBe(400);
  expect(theirs.status).toBe(403);
  const rows = await h.pool.query("SELECT principal_id, status FROM idempotency_keys WHERE key = 'shared-key' ORDER BY principal_id");
  expect(rows.rows).toEqual([{ principal_id: 'u-ben', status: 400 }, { principal_id: 'u-chen', status: 403 }]);
});

test('a replayed decision returns the first answer and is decided once', async () => {
  const { handoffId, state } = await handoffInReview(h, 'idem-decide');
  const item = state.reviewItems[0];
  const path = `/handoffs/${handoffId}/review-items/${item.id}/decision`;
  const body = { decision: 'approved', packetVersion: state.packet.version, comment: 'fine' };
  const first = await post(path, h.tokens[item.routeTo], body, 'decide-1');
  expect(first.status).toBe(200);
  const replay = await post(path, h.tokens[item.routeTo], body, 'decide-1');
  expect(replay.status).toBe(200);
  expect(replay.body).toEqual(first.body);
  // A new key is a new request: the workflow refuses deciding twice.
  expect((await post(path, h.tokens[item.routeTo], body, 'decide-2')).status).toBe(409);
  const audit = await h.pool.query('SELECT count(*)::int AS n FROM review_decisions WHERE handoff_id = $1 AND item_id = $2', [handoffId, item.id]);
  expect(audit.rows[0].n).toBe(1);
});

test('concurrent requests with one key: one runs, the others replay or are told it is in flight', async () => {
  const { handoffId } = await handoffInReview(h, 'idem-race');
  const results = await Promise.all(
    Array.from({ length: 5 }, () => post(`/handoffs/${handoffId}/cancel`, h.tokens.admin, { reason: 'race' }, 'cancel-race')),
  );
  const statuses = results.map((r) => r.status);
  expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
  expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
  const history = await h.client.workflow.getHandle(handoffId).fetchHistory();
  const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  expect(accepted).toHaveLength(1);
});

test('a malformed key is a 400', async () => {
  const res = await post('/handoffs', h.tokens['u-ben'], {}, 'two words');
  expect(res.status).toBe(400);
  expect(res.body.errors[0].path).toBe('headers.idempotency-key');
});
