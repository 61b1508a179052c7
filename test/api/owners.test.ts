import { loadBundle } from '../../src/db/bundles';
import { createToken } from '../../src/db/tokens';
import type { IntakeBundleInput, Person } from '../../src/domain/intake';
import { answerBlockingQuestions } from '../support/answers';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { waitForStage, type Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// Owners change only through POST /handoffs/:id/owners (handoff owner, ops, admin; audited), and
// one person never gives both signoffs. The attack this closes: the sales owner named himself
// implementation owner through evidence during review, signed both roles, and the real
// implementation owner got 403.

let h: Harness;
beforeAll(async () => {
  h = await startApiHarness();
  // A handoff owner without the ops role, to show what the handoff owner may do on their own.
  h.tokens['u-hana'] = await createToken(h.pool, { id: 'u-hana', name: 'Hana Handoff', roles: ['sales'] });
});
afterAll(async () => {
  await h?.close();
});

const person = (id: string): Person => ({ id, name: id, email: `${id}@vendor.example` });
const post = (path: string, token: string, body: unknown) => h.request('POST', path, { token, body });
const get = (path: string, token = h.tokens.admin) => h.request('GET', path, { token });

/** Decides every item as the reviewer it is routed to, answers every blocking question as the person asked, then waits for signoff. */
async function toSignoff(handoffId: string, state: any): Promise<any> {
  for (const item of state.reviewItems) {
    const res = await post(`/handoffs/${handoffId}/review-items/${item.id}/decision`, h.tokens[item.routeTo], { decision: 'rejected', comment: 'reset at kickoff', packetVersion: state.packet.version });
    expect(res.status).toBe(200);
  }
  await answerBlockingQuestions(h, handoffId, state);
  return waitForStage(h, handoffId, ['awaiting_signoff']);
}

async function startInReview(bundle: IntakeBundleInput): Promise<{ handoffId: string; state: any }> {
  const started = await post('/handoffs', h.tokens.admin, bundle);
  expect(started.status).toBe(201);
  return { handoffId: started.body.handoffId, state: await waitForStage(h, started.body.handoffId, ['in_review']) };
}

const sign = (handoffId: string, token: string, role: 'sales' | 'implementation', packet: { version: number; hash: string }) =>
  post(`/handoffs/${handoffId}/signoff`, token, { role, packetVersion: packet.version, packetHash: packet.hash });

test('the attack is closed: sales cannot make himself implementation owner, and the real owner signs', async () => {
  const { handoffId, state } = await handoffInReview(h, 'self-owner');
  const awaiting = await toSignoff(handoffId, state);
  expect((await sign(handoffId, h.tokens['u-ben'], 'sales', awaiting.packet)).status).toBe(200);

  // Through evidence: 400, pointing at the owners endpoint; nothing stored.
  const viaEvidence = await post(`/handoffs/${handoffId}/evidence`, h.tokens['u-ben'], {
    documents: [{ id: 'note', kind: 'email', capturedAt: '2026-11-20T10:00:00Z', text: 'I will implement this myself.' }],
    owners: { implementation: person('u-ben') },
  });
  expect(viaEvidence.status).toBe(400);
  expect(viaEvidence.body.errors).toEqual([{ path: 'owners', message: expect.stringContaining('POST /handoffs/{id}/owners') }]);
  // Through the owners endpoint: the sales owner may not change owners at all.
  const viaOwners = await post(`/handoffs/${handoffId}/owners`, h.tokens['u-ben'], { owners: { implementation: person('u-ben') }, reason: 'I will do it' });
  expect(viaOwners.status).toBe(403);
  // Not even an admin makes him both sales and implementation owner.
  const byAdmin = await post(`/handoffs/${handoffId}/owners`, h.tokens.admin, { owners: { implementation: person('u-ben') }, reason: 'Ben takes over' });
  expect(byAdmin.status).toBe(409);
  expect(byAdmin.body.detail).toMatch(/u-ben would be both sales and implementation owner/);

  const current = await get(`/handoffs/${handoffId}`);
  expect(current.body.bundleHash).toBe(awaiting.bundleHash);
  expect((await loadBundle(h.pool, current.body.bundleHash)).owners.implementation?.id).toBe('u-chen');
  expect((await sign(handoffId, h.tokens['u-ben'], 'implementation', awaiting.packet)).status).toBe(403);
  expect((await sign(handoffId, h.tokens['u-chen'], 'implementation', awaiting.packet)).status).toBe(200);
  await waitForStage(h, handoffId, ['first_milestone']);
  await h.client.workflow.getHandle(handoffId).terminate('test done');
});

test('the handoff owner changes the implementation owner: audited, the old signoff is void, the new owner signs', async () => {
  const { handoffId, state } = await handoffInReview(h, 'change-owner');
  const awaiting = await toSignoff(handoffId, state);
  expect((await sign(handoffId, h.tokens['u-chen'], 'implementation', awaiting.packet)).status).toBe(200);
  // u-impl2 takes no part yet.
  expect((await get(`/handoffs/${handoffId}`, h.tokens['u-impl2'])).status).toBe(404);

  const changed = await post(`/handoffs/${handoffId}/owners`, h.tokens['u-ana'], {
    owners: { implementation: { id: 'u-impl2', name: 'Ines Other-Implementer', email: 'ines@vendor.example' } },
    reason: 'Chen moved to the Contoso rollout',
  });
  expect(changed.status).toBe(200);
  expect(changed.body.signoffs.implementation).toBeUndefined();
  expect(changed.body.bundleHash).not.toBe(awaiting.bundleHash);
  expect((await loadBundle(h.pool, changed.body.bundleHash)).owners).toMatchObject({ sales: { id: 'u-ben' }, implementation: { id: 'u-impl2' }, handoffOwner: { id: 'u-ana' } });

  // Access follows the new owners at once: the new owner sees and signs; the old one may no longer sign.
  expect((await get(`/handoffs/${handoffId}`, h.tokens['u-impl2'])).status).toBe(200);
  expect((await sign(handoffId, h.tokens['u-chen'], 'implementation', awaiting.packet)).status).toBe(403);
  expect((await sign(handoffId, h.tokens['u-ben'], 'sales', awaiting.packet)).status).toBe(200);
  expect((await sign(handoffId, h.tokens['u-impl2'], 'implementation', awaiting.packet)).status).toBe(200);
  await waitForStage(h, handoffId, ['first_milestone']);

  const audit = await h.pool.query("SELECT principal_id, decision, comment FROM review_decisions WHERE handoff_id = $1 AND kind = 'owner_change'", [handoffId]);
  expect(audit.rows).toEqual([{ principal_id: 'u-ana', decision: 'owners_changed', comment: expect.stringContaining('Chen moved to the Contoso rollout') }]);
  expect(audit.rows[0].comment).toContain('u-impl2');
  await h.client.workflow.getHandle(handoffId).terminate('test done');
});

test('one person named for both roles gives only one of the two signoffs', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'both-roles');
  bundle.owners = { ...bundle.owners, implementation: person('u-ben') };
  const { handoffId, state } = await startInReview(bundle);
  const awaiting = await toSignoff(handoffId, state);
  expect((await sign(handoffId, h.tokens['u-ben'], 'sales', awaiting.packet)).status).toBe(200);
  const second = await sign(handoffId, h.tokens['u-ben'], 'implementation', awaiting.packet);
  expect(second.status).toBe(403);
  expect(second.body.detail).toMatch(/you signed for sales; the implementation signoff must come from someone else/);

  // The way out: the handoff owner names a real implementation owner, who signs.
  expect((await post(`/handoffs/${handoffId}/owners`, h.tokens['u-ana'], { owners: { implementation: person('u-chen') }, reason: 'Chen implements' })).status).toBe(200);
  expect((await sign(handoffId, h.tokens['u-chen'], 'implementation', awaiting.packet)).status).toBe(200);
  await waitForStage(h, handoffId, ['first_milestone']);
  await h.client.workflow.getHandle(handoffId).terminate('test done');
});

test('an owner correction lets a handoff waiting for its implementation owner go on', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'missing-owner');
  bundle.owners = { ...bundle.owners, implementation: undefined };
  const started = await post('/handoffs', h.tokens.admin, bundle);
  const waiting = await waitForStage(h, started.body.handoffId, ['waiting_for_evidence']);
  expect(waiting.gateFailures.map((f: any) => f.code)).toContain('missing_implementation_owner');

  const res = await post(`/handoffs/${started.body.handoffId}/owners`, h.tokens['u-ana'], { owners: { implementation: person('u-chen') }, reason: 'Chen was assigned' });
  expect(res.status).toBe(200);
  const review = await waitForStage(h, started.body.handoffId, ['in_review']);
  expect(review.gateFailures).toEqual([]);
  await h.client.workflow.getHandle(started.body.handoffId).terminate('test done');
});

test('a refused owner change stores nothing and keeps the owners', async () => {
  const { handoffId, state } = await handoffInReview(h, 'refused-change');
  // Not the handoff owner, not ops: 403 from the API. A missing reason: 400 with its path.
  expect((await post(`/handoffs/${handoffId}/owners`, h.tokens['u-chen'], { owners: { sales: person('u-dev') }, reason: 'x' })).status).toBe(403);
  const noReason = await post(`/handoffs/${handoffId}/owners`, h.tokens['u-ana'], { owners: { sales: person('u-dev') } });
  expect(noReason.status).toBe(400);
  expect(noReason.body.errors.map((e: any) => e.path)).toContain('reason');
  const empty = await post(`/handoffs/${handoffId}/owners`, h.tokens['u-ana'], { owners: {}, reason: 'nothing' });
  expect(empty.status).toBe(400);
  // Sales and implementation swapped into one person: 409.
  expect((await post(`/handoffs/${handoffId}/owners`, h.tokens['u-ops'], { owners: { sales: person('u-chen') }, reason: 'x' })).status).toBe(409);
  expect((await get(`/handoffs/${handoffId}`)).body.bundleHash).toBe(state.bundleHash);
  const audit = await h.pool.query("SELECT count(*)::int AS n FROM review_decisions WHERE handoff_id = $1 AND kind = 'owner_change'", [handoffId]);
  expect(audit.rows[0].n).toBe(0);
});

test('the handoff owner without the ops role reports the first milestone (the docs and the workflow agree)', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'milestone-owner');
  bundle.owners = { ...bundle.owners, handoffOwner: person('u-hana') };
  const { handoffId, state } = await startInReview(bundle);
  const awaiting = await toSignoff(handoffId, state);
  expect((await sign(handoffId, h.tokens['u-ben'], 'sales', awaiting.packet)).status).toBe(200);
  expect((await sign(handoffId, h.tokens['u-chen'], 'implementation', awaiting.packet)).status).toBe(200);
  await waitForStage(h, handoffId, ['first_milestone']);

  expect((await post(`/handoffs/${handoffId}/milestone`, h.tokens['u-ben'], { status: 'met' })).status).toBe(403);
  const reported = await post(`/handoffs/${handoffId}/milestone`, h.tokens['u-hana'], { status: 'met', note: 'Kickoff held' });
  expect(reported.status).toBe(200);
  expect((await h.client.workflow.getHandle(handoffId).result()).stage).toBe('completed');
});
