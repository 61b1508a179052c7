import { loadBundle } from '../../src/db/bundles';
import type { Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// A requestId is the workflow update id, and Temporal answers a repeated update id with the first
// update's result without running it: reused for another item it answered 200 and did nothing.
// Now the same requestId is a retry only for the same request (path and body); anything else is 409.

let h: Harness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

const post = (path: string, token: string, body: unknown, headers: Record<string, string> = {}) => h.request('POST', path, { token, body, headers });
const decide = (handoffId: string, itemId: string, body: Record<string, unknown>, token = h.tokens['u-chen']) =>
  post(`/handoffs/${handoffId}/review-items/${itemId}/decision`, token, { packetVersion: 1, ...body });
const state = async (handoffId: string) => (await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens.admin })).body;
/** The audit rows of a handoff, once the workflow's main loop has written at least `atLeast` of them. */
async function auditRows(handoffId: string, atLeast = 1, kind = 'review_decision'): Promise<any[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await h.pool.query('SELECT request_id, item_id, decision FROM review_decisions WHERE handoff_id = $1 AND kind = $2 ORDER BY item_id', [handoffId, kind]);
    if (rows.length >= atLeast || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a requestId reused for another item is 409 and changes nothing; the same request again is a retry', async () => {
  const { handoffId, state: review } = await handoffInReview(h, 'reqid-item');
  const [first, second] = review.reviewItems.map((i: any) => i.id);

  expect((await decide(handoffId, first, { decision: 'approved', requestId: 'chen-1' })).status).toBe(200);
  const reused = await decide(handoffId, second, { decision: 'approved', requestId: 'chen-1' });
  expect(reused.status).toBe(409);
  expect(reused.body).toMatchObject({ requestId: 'chen-1', usedFor: `POST /handoffs/${handoffId}/review-items/${first}/decision` });
  expect(reused.body.detail).toMatch(/another item or action needs a new requestId/);
  expect((await state(handoffId)).reviewItems.find((i: any) => i.id === second).decision).toBeUndefined();

  // The same request again: 200 with the handoff's state, decided once, audited once.
  const retry = await decide(handoffId, first, { decision: 'approved', requestId: 'chen-1' });
  expect(retry.status).toBe(200);
  expect(retry.body.reviewItems.find((i: any) => i.id === first).decision.decision).toBe('approved');
  // Another body for the same item under the same id: 409, the first decision stands.
  const changed = await decide(handoffId, first, { decision: 'rejected', requestId: 'chen-1' });
  expect(changed.status).toBe(409);
  expect(changed.body.detail).toMatch(/with another body/);
  expect((await state(handoffId)).reviewItems.find((i: any) => i.id === first).decision.decision).toBe('approved');
  expect(await auditRows(handoffId)).toEqual([{ request_id: 'u-chen:chen-1', item_id: first, decision: 'approved' }]);

  // A new id decides the second item.
  expect((await decide(handoffId, second, { decision: 'approved', requestId: 'chen-2' })).status).toBe(200);
  await h.client.workflow.getHandle(handoffId).terminate('test done');
});

test('a requestId reused for another action or another handoff is 409; ids belong to their principal', async () => {
  const a = await handoffInReview(h, 'reqid-a');
  const b = await handoffInReview(h, 'reqid-b');
  expect((await decide(a.handoffId, a.state.reviewItems[0].id, { decision: 'approved', requestId: 'shared-id' })).status).toBe(200);
  // Another action on the same handoff.
  const changes = await post(`/handoffs/${a.handoffId}/changes`, h.tokens['u-chen'], { comment: 'redo', packetVersion: 1, requestId: 'shared-id' });
  expect(changes.status).toBe(409);
  expect((await state(a.handoffId)).rework).toBe(0);
  // The same action on another handoff.
  expect((await decide(b.handoffId, b.state.reviewItems[0].id, { decision: 'approved', requestId: 'shared-id' })).status).toBe(409);
  expect((await state(b.handoffId)).reviewItems[0].decision).toBeUndefined();
  // Another principal picking the same id is not refused: ids are per principal.
  const ana = await post(`/handoffs/${b.handoffId}/evidence`, h.tokens['u-ana'], {
    documents: [{ id: 'note-1', kind: 'email', capturedAt: '2026-11-20T10:00:00Z', text: 'A note.' }],
    requestId: 'shared-id',
  });
  expect(ana.status).toBe(200);
  for (const { handoffId } of [a, b]) await h.client.workflow.getHandle(handoffId).terminate('test done');
});

test('an Idempotency-Key used as the update id holds after the key itself was pruned', async () => {
  const { handoffId, state: review } = await handoffInReview(h, 'reqid-key');
  const [first, second] = review.reviewItems.map((i: any) => i.id);
  expect((await decide(handoffId, first, { decision: 'approved' }, h.tokens['u-chen'])).status).toBe(200);
  const key = { 'idempotency-key': `key-${Date.now()}` };
  expect((await post(`/handoffs/${handoffId}/review-items/${second}/decision`, h.tokens['u-chen'], { decision: 'rejected', packetVersion: 1 }, key)).status).toBe(200);
  // A day later the stored answer is gone (pruned); the key is still the update id of that decision.
  await h.pool.query("DELETE FROM idempotency_keys WHERE principal_id = 'u-chen'");
  const third = review.reviewItems[2].id;
  const reused = await post(`/handoffs/${handoffId}/review-items/${third}/decision`, h.tokens['u-chen'], { decision: 'rejected', packetVersion: 1 }, key);
  expect(reused.status).toBe(409);
  expect((await state(handoffId)).reviewItems.find((i: any) => i.id === third).decision).toBeUndefined();
  await h.client.workflow.getHandle(handoffId).terminate('test done');
});

test('retried evidence and owner changes with their requestId land once and answer 200', async () => {
  const { handoffId, state: review } = await handoffInReview(h, 'reqid-retry');
  const evidence = { documents: [{ id: 'followup', kind: 'email', capturedAt: '2026-11-20T10:00:00Z', text: 'The data owner is Priya.' }], requestId: 'ev-1' };
  const first = await post(`/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], evidence);
  expect(first.status).toBe(200);
  const again = await post(`/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], evidence);
  expect(again.status).toBe(200);
  expect(again.body.bundleHash).toBe(first.body.bundleHash);
  const documents = (await loadBundle(h.pool, again.body.bundleHash)).documents.map((d) => d.id);
  expect(documents.filter((id) => id === 'followup')).toHaveLength(1);
  expect(documents).toHaveLength(5);
  // Other documents under the same id: 409 (not a silent no-op).
  const other = await post(`/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], { ...evidence, documents: [{ ...evidence.documents[0], id: 'followup-2' }] });
  expect(other.status).toBe(409);

  const change = { owners: { escalation: { id: 'u-ops', name: 'Oscar Ops', email: 'oscar@vendor.example' } }, reason: 'Oscar covers escalations', requestId: 'own-1' };
  expect((await post(`/handoffs/${handoffId}/owners`, h.tokens['u-ana'], change)).status).toBe(200);
  expect((await post(`/handoffs/${handoffId}/owners`, h.tokens['u-ana'], change)).status).toBe(200);
  expect(await auditRows(handoffId, 1, 'owner_change')).toEqual([{ request_id: 'u-ana:own-1', item_id: 'owners', decision: 'owners_changed' }]);
  await h.client.workflow.getHandle(handoffId).terminate('test done');
});
