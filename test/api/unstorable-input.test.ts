import { answerBlockingQuestions } from '../support/answers';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { waitForStage, type Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// Two inputs were once accepted and then retried forever by the workflow (history growing ~20
// events a minute): kickoffTarget "0000-01-01" (Postgres has no year 0) and a milestone criteriaMet
// holding an unpaired surrogate (jsonb refuses it). Every route that takes them refuses them with
// 400 naming the field, nothing reaches the workflow, and the same request with a sane value is taken.

let h: Harness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

const historyLength = async (handoffId: string) => (await h.client.workflow.getHandle(handoffId).fetchHistory()).events?.length ?? 0;
/** The history's length once the workflow is idle (its last bookkeeping write may still be landing). */
async function settledHistoryLength(handoffId: string): Promise<number> {
  let last = -1;
  for (;;) {
    const now = await historyLength(handoffId);
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 700));
  }
}

/** Sent both without and with an Idempotency-Key (the keyed path hashes the body first). */
async function expectRefused(path: string, token: string, body: unknown, field: string) {
  const keyed: Array<Record<string, string>> = [{}, { 'idempotency-key': `unstorable-${Math.random().toString(36).slice(2)}` }];
  for (const headers of keyed) {
    const res = await h.request('POST', path, { token, body, headers });
    expect([path, field, res.status]).toEqual([path, field, 400]);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  }
}

const surrogates = ['\ud800', 'Data access \udbff', '\udc00 first', 'NUL \u0000 inside'];

test('POST /handoffs refuses year 0000 and lone surrogates with 400; no handoff starts', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'unstorable');
  const handoffId = `handoff-${bundle.dealId}`;
  await expectRefused('/handoffs', h.tokens['u-ben'], { ...bundle, kickoffTarget: '0000-01-01' }, 'kickoffTarget');
  await expectRefused('/handoffs', h.tokens['u-ben'], { ...bundle, kickoffTarget: '9999-12-31' }, 'kickoffTarget');
  await expectRefused('/handoffs', h.tokens['u-ben'], { ...bundle, closedAt: '0000-01-01T00:00:00Z' }, 'closedAt');
  for (const bad of surrogates) {
    await expectRefused('/handoffs', h.tokens['u-ben'], { ...bundle, successCriteria: [bad] }, 'successCriteria.0');
    await expectRefused('/handoffs', h.tokens['u-ben'], { ...bundle, customer: { ...bundle.customer, name: bad } }, 'customer.name');
  }
  await expect(h.client.workflow.getHandle(handoffId).describe()).rejects.toThrow(/not found/i);
  expect((await h.pool.query('SELECT 1 FROM handoffs WHERE deal_id = $1', [bundle.dealId])).rowCount).toBe(0);

  // The same bundle with sane values starts.
  const started = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: { ...bundle, kickoffTarget: '2026-12-03', successCriteria: ['Data access 🎉'] } });
  expect(started.status).toBe(201);
  expect(started.body.handoffId).toBe(handoffId);
});

test('POST /handoffs/:id/evidence refuses them with 400; the bundle and the history stay as they were', async () => {
  const { handoffId, state } = await handoffInReview(h, 'unstorable-evidence');
  const doc = { id: 'late-note', kind: 'email', capturedAt: '2026-10-01T10:00:00Z', text: 'Kickoff moves a week.' };
  const path = `/handoffs/${handoffId}/evidence`;
  const owner = h.tokens['u-ana'];
  const eventsBefore = await settledHistoryLength(handoffId);
  const bundlesBefore = (await h.pool.query('SELECT count(*)::int AS n FROM intake_bundles')).rows[0].n;

  await expectRefused(path, owner, { documents: [doc], kickoffTarget: '0000-01-01' }, 'kickoffTarget');
  await expectRefused(path, owner, { documents: [doc], kickoffTarget: '2200-01-01' }, 'kickoffTarget');
  await expectRefused(path, owner, { documents: [{ ...doc, capturedAt: '0000-01-01T00:00:00Z' }] }, 'documents.0.capturedAt');
  for (const bad of surrogates) {
    await expectRefused(path, owner, { documents: [{ ...doc, text: bad }] }, 'documents.0.text');
    await expectRefused(path, owner, { documents: [{ ...doc, title: bad }] }, 'documents.0.title');
    await expectRefused(path, owner, { documents: [doc], systemOfRecord: { system: 'crm', recordId: bad } }, 'systemOfRecord.recordId');
  }

  // Nothing reached the workflow or the bundle store.
  await new Promise((r) => setTimeout(r, 1000));
  expect(await historyLength(handoffId)).toBe(eventsBefore);
  expect((await h.pool.query('SELECT count(*)::int AS n FROM intake_bundles')).rows[0].n).toBe(bundlesBefore);
  const after = await h.request('GET', `/handoffs/${handoffId}`, { token: owner });
  expect(after.body.bundleHash).toBe(state.bundleHash);

  // The same route takes a sane kickoff date.
  const taken = await h.request('POST', path, { token: owner, body: { documents: [doc], kickoffTarget: '2026-12-10' } });
  expect(taken.status).toBe(200);
  expect(taken.body.bundleHash).not.toBe(state.bundleHash);
});

test('POST /handoffs/:id/milestone refuses a criteriaMet lone surrogate with 400 while the milestone is followed; a clean report is taken', async () => {
  const { handoffId, state } = await handoffInReview(h, 'unstorable-milestone');
  for (const item of state.reviewItems) {
    const decided = await h.request('POST', `/handoffs/${handoffId}/review-items/${item.id}/decision`, {
      token: h.tokens[item.routeTo],
      body: { decision: 'rejected', comment: 'not in the contract', packetVersion: state.packet.version },
    });
    expect(decided.status).toBe(200);
  }
  await answerBlockingQuestions(h, handoffId, state);
  const awaiting = await waitForStage(h, handoffId, ['awaiting_signoff']);
  for (const [principal, role] of [['u-ben', 'sales'], ['u-chen', 'implementation']] as const) {
    const signed = await h.request('POST', `/handoffs/${handoffId}/signoff`, {
      token: h.tokens[principal],
      body: { role, packetVersion: awaiting.packet.version, packetHash: awaiting.packet.hash },
    });
    expect(signed.status).toBe(200);
  }
  await waitForStage(h, handoffId, ['first_milestone']);
  const path = `/handoffs/${handoffId}/milestone`;
  const reporter = h.tokens['u-chen'];
  const eventsBefore = await settledHistoryLength(handoffId);

  for (const bad of surrogates) {
    await expectRefused(path, reporter, { status: 'on_track', criteriaMet: [bad] }, 'criteriaMet.0');
    await expectRefused(path, reporter, { status: 'on_track', criteriaMet: ['SSO', bad] }, 'criteriaMet.1');
    await expectRefused(path, reporter, { status: 'met', note: bad }, 'note');
  }
  await new Promise((r) => setTimeout(r, 1000));
  expect(await historyLength(handoffId)).toBe(eventsBefore);
  const unchanged = await h.request('GET', `/handoffs/${handoffId}`, { token: reporter });
  expect(unchanged.body.stage).toBe('first_milestone');
  expect(unchanged.body.milestone.criteriaMet).toEqual([]);

  const taken = await h.request('POST', path, { token: reporter, body: { status: 'on_track', criteriaMet: ['Data access 🎉'] } });
  expect(taken.status).toBe(200);
  expect(taken.body.milestone.criteriaMet).toEqual(['Data access 🎉']);
});
