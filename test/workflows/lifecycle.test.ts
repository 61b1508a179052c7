import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Actor, HandoffState } from '../../src/domain/review';
import {
  addEvidenceUpdate,
  answerQuestionUpdate,
  decideReviewItemUpdate,
  milestoneStatusUpdate,
  requestChangesUpdate,
  returnForContextUpdate,
  signoffUpdate,
  stateQuery,
} from '../../src/workflows/definitions';
import { PACKET_TOOL_NAME } from '../../src/activities/llm-drafter';
import { draftPacket } from '../../src/domain/draft';
import { IntakeBundle } from '../../src/domain/intake';
import { redactBundle } from '../../src/domain/redact';
import { OWNER_ANSWER } from '../support/answers';
import { draftFromRules, startFakeAnthropic, toolUseResponse } from '../support/fake-anthropic';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startApi } from '../../src/api/server';
import { loadBundle } from '../../src/db/bundles';
import { startHarness, type Harness } from '../support/harness';
import { maybeRecordHistory } from '../support/histories';
import { bundleWith, inStage, startHandoff, waitForState } from '../support/start-handoff';

// The review lifecycle on a real worker and dev server, driven through the workflow's updates.

const chen: Actor = { id: 'u-chen', roles: ['implementation', 'reviewer'] };
const ben: Actor = { id: 'u-ben', roles: ['sales'] };
const ana: Actor = { id: 'u-ana', roles: ['ops', 'sales'] };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { api: false });
});
afterAll(async () => {
  await h?.close();
});

let requestCounter = 0;
const rid = () => `req-${Date.now()}-${++requestCounter}`;

/** Decides every pending item and answers every blocking question (the worked example's: who owns the data extraction). */
async function decideAll(handoffId: string, state: HandoffState, decision: 'approved' | 'rejected' = 'rejected') {
  const handle = h.client.workflow.getHandle(handoffId);
  for (const item of state.reviewItems.filter((i) => !i.decision)) {
    await handle.executeUpdate(decideReviewItemUpdate, {
      args: [{ itemId: item.id, decision, packetVersion: state.packet!.version, requestId: rid(), actor: { id: item.routeTo, roles: ['reviewer'] } }],
    });
  }
  for (const q of state.openQuestions.filter((q) => q.blocking && !q.answer)) {
    await handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: q.id, answer: OWNER_ANSWER, requestId: rid(), actor: { id: q.askedOf!, roles: ['sales'] } }] });
  }
}

async function signBoth(handoffId: string, state: HandoffState) {
  const handle = h.client.workflow.getHandle(handoffId);
  for (const [role, actor] of [['sales', ben], ['implementation', chen]] as const) {
    await handle.executeUpdate(signoffUpdate, {
      args: [{ role, packetVersion: state.packet!.version, packetHash: state.packet!.hash, requestId: rid(), actor }],
    });
  }
}

/** The refusal a validator gave, as the API maps it (not_found / forbidden / conflict). */
async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return (err.cause as { type?: string }).type;
    throw err;
  }
}

const maybeRecord = async (name: string, handoffId: string) => maybeRecordHistory(name, h.config.TEMPORAL_ADDRESS, handoffId);

test('a signoff must name the current packet version and hash, and only the named owners sign', async () => {
  const { handoffId, handle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), 'sign'));
  const review = await waitForState(h, handoffId, inStage('in_review'));
  await decideAll(handoffId, review);
  const awaiting = await waitForState(h, handoffId, inStage('awaiting_signoff'));
  const { version, hash } = awaiting.packet!;

  const wrongHash = `sha256:${'0'.repeat(64)}`;
  expect(await refusal(handle.executeUpdate(signoffUpdate, { args: [{ role: 'implementation', packetVersion: version, packetHash: wrongHash, requestId: rid(), actor: chen }] }))).toBe('conflict');
  expect(await refusal(handle.executeUpdate(signoffUpdate, { args: [{ role: 'implementation', packetVersion: version + 1, packetHash: hash, requestId: rid(), actor: chen }] }))).toBe('conflict');
  expect(await refusal(handle.executeUpdate(signoffUpdate, { args: [{ role: 'implementation', packetVersion: version, packetHash: hash, requestId: rid(), actor: ben }] }))).toBe('forbidden');
  expect(await refusal(handle.executeUpdate(signoffUpdate, { args: [{ role: 'sales', packetVersion: version, packetHash: hash, requestId: rid(), actor: chen }] }))).toBe('forbidden');

  // A retried signoff with the same request id is one signoff, not two.
  const requestId = rid();
  await handle.executeUpdate(signoffUpdate, { args: [{ role: 'sales', packetVersion: version, packetHash: hash, requestId, actor: ben }], updateId: requestId });
  const first = await handle.query(stateQuery);
  const ack = await handle.executeUpdate(signoffUpdate, { args: [{ role: 'sales', packetVersion: version, packetHash: hash, requestId, actor: ben }], updateId: requestId });
  // The repeated update answers what the first one did: the same revision, changes and audit row.
  expect(ack).toEqual({
    handoffId, stage: 'awaiting_signoff', packetVersion: version, revision: expect.any(Number), base: expect.any(Number),
    changes: [{ path: ['state', 'signoffs', 'sales'], value: first.signoffs.sales }],
    audit: [{ itemId: 'signoff:sales', kind: 'signoff', decision: 'signed' }],
  });
  expect(ack.revision).toBe(first.revision);
  expect((await handle.query(stateQuery)).signoffs.sales).toEqual(first.signoffs.sales);
  // Sent straight to Temporal (no API applied it), the audit row is written behind within seconds, once.
  const signoffRows = async () => (await h.pool.query("SELECT count(*)::int AS n FROM review_decisions WHERE handoff_id = $1 AND kind = 'signoff'", [handoffId])).rows[0].n;
  for (const deadline = Date.now() + 15_000; (await signoffRows()) === 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 200));
  expect(await signoffRows()).toBe(1);

  await handle.executeUpdate(signoffUpdate, { args: [{ role: 'implementation', packetVersion: version, packetHash: hash, requestId: rid(), actor: chen }] });
  const following = await waitForState(h, handoffId, inStage('first_milestone'));
  expect(following.signoffs.implementation?.packetHash).toBe(hash);
  await handle.executeUpdate(milestoneStatusUpdate, { args: [{ status: 'not_met', note: 'data access still pending', requestId: rid(), actor: chen }] });
  expect((await handle.result()).stage).toBe('completed');
  const readiness = await h.pool.query("SELECT value, detail FROM measurement_events WHERE handoff_id = $1 AND kind = 'first_milestone_readiness'", [handoffId]);
  expect(readiness.rows).toEqual([{ value: 0, detail: { status: 'not_met', criteriaMet: [] } }]);
  await maybeRecord('signoff-and-milestone', handoffId);
});

test('requested changes redraft the packet as a new version with the comment as evidence', async () => {
  const { handoffId, handle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), 'changes'));
  const v1 = await waitForState(h, handoffId, inStage('in_review'));
  expect(v1.packet!.version).toBe(1);

  const comment = 'The board meeting date is fixed by the customer; add it as a dependency for the dashboard.';
  const bundleHash = await bundleWith(h, v1.bundleHash, [
    { id: 'review-comment-1', kind: 'other', title: 'Review comment by u-chen', capturedAt: new Date().toISOString(), text: comment },
  ]);
  // Only someone reviewing this packet asks for changes, and only on the current version.
  expect(await refusal(handle.executeUpdate(requestChangesUpdate, { args: [{ comment, packetVersion: 1, bundleHash, requestId: rid(), actor: ben }] }))).toBe('forbidden');
  expect(await refusal(handle.executeUpdate(requestChangesUpdate, { args: [{ comment, packetVersion: 2, bundleHash, requestId: rid(), actor: chen }] }))).toBe('conflict');
  await handle.executeUpdate(requestChangesUpdate, { args: [{ comment, packetVersion: 1, bundleHash, requestId: rid(), actor: chen }] });

  const v2 = await waitForState(h, handoffId, (s) => s.stage === 'in_review' && s.packet?.version === 2);
  expect(v2.rework).toBe(1);
  expect(v2.packet!.hash).not.toBe(v1.packet!.hash);
  expect(v2.reviewItems.every((i) => !i.decision)).toBe(true);

  // A decision on the old version is refused now.
  const item = v2.reviewItems[0];
  expect(await refusal(handle.executeUpdate(decideReviewItemUpdate, { args: [{ itemId: item.id, decision: 'approved', packetVersion: 1, requestId: rid(), actor: chen }] }))).toBe('conflict');

  const stored = await h.pool.query('SELECT version, body FROM packets WHERE handoff_id = $1 ORDER BY version', [handoffId]);
  expect(stored.rows.map((r) => r.version)).toEqual([1, 2]);
  const rework = await h.pool.query("SELECT value FROM measurement_events WHERE handoff_id = $1 AND kind = 'kickoff_rework'", [handoffId]);
  expect(rework.rows).toEqual([{ value: 1 }]);
  await handle.executeUpdate(decideReviewItemUpdate, { args: [{ itemId: item.id, decision: 'approved', packetVersion: 2, requestId: rid(), actor: chen }] });
  await maybeRecord('request-changes', handoffId);
  await handle.terminate('test done');
});

test('the implementation owner returns a handoff for missing context; new evidence re-runs the gates', async () => {
  const { handoffId, handle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), 'return'));
  const review = await waitForState(h, handoffId, inStage('in_review'));
  await decideAll(handoffId, review);
  await waitForState(h, handoffId, inStage('awaiting_signoff'));

  expect(await refusal(handle.executeUpdate(returnForContextUpdate, { args: [{ reason: 'who extracts the data?', requestId: rid(), actor: ben }] }))).toBe('forbidden');
  await handle.executeUpdate(returnForContextUpdate, { args: [{ reason: 'Nobody knows who extracts the Epic data; get the signed data-access addendum.', requestId: rid(), actor: chen }] });
  const waiting = await waitForState(h, handoffId, inStage('waiting_for_evidence'));
  expect(waiting.returnsForContext).toBe(1);
  expect(waiting.openQuestions.find((q) => q.id === 'return-1')).toMatchObject({ askOf: 'handoff_owner', askedOf: 'u-ana', blocking: true });

  const bundleHash = await bundleWith(h, waiting.bundleHash, [
    {
      id: 'data-addendum',
      kind: 'agreement',
      title: 'Data access addendum',
      capturedAt: new Date().toISOString(),
      text: 'Addendum 1. Vendor will extract the Epic scheduling export and the Kronos timekeeping export once read access is granted.',
    },
  ]);
  await handle.executeUpdate(addEvidenceUpdate, { args: [{ bundleHash, documentIds: ['data-addendum'], requestId: rid(), actor: ana }] });
  const redrafted = await waitForState(h, handoffId, (s) => s.stage === 'in_review' && s.packet?.version === 2);
  expect(redrafted.bundleHash).toBe(bundleHash);

  const events = await h.pool.query("SELECT kind, value FROM measurement_events WHERE handoff_id = $1 AND kind IN ('missing_context_return', 'accepted')", [handoffId]);
  expect(events.rows).toEqual([{ kind: 'missing_context_return', value: 1 }]);
  await maybeRecord('return-for-context', handoffId);
  await handle.terminate('test done');
});

test('failed gates wait for evidence; the evidence and the owner correction, sent through the API, let the handoff go on to review', async () => {
  const { handoffId, handle } = await startHandoff(h, withDealId(loadSharedFixture('missing-evidence'), 'gates'));
  const waiting = await waitForState(h, handoffId, inStage('waiting_for_evidence'));
  const codes = waiting.gateFailures.map((f) => f.code);
  expect(codes).toEqual(expect.arrayContaining(['missing_implementation_owner', 'missing_scope_evidence']));
  expect(waiting.openQuestions.every((q) => q.askOf === 'handoff_owner' && q.askedOf === 'u-ana' && q.blocking)).toBe(true);

  // Evidence from someone who is not on the deal is refused.
  const outsider: Actor = { id: 'u-outsider', roles: ['reviewer'] };
  expect(await refusal(handle.executeUpdate(addEvidenceUpdate, { args: [{ bundleHash: waiting.bundleHash, documentIds: [], requestId: rid(), actor: outsider }] }))).toBe('forbidden');
  // Owners never ride along with evidence any more, even sent straight to the workflow.
  const chenPerson = { id: 'u-chen', name: 'Chen Li', email: 'chen@vendor.example' };
  expect(await refusal(handle.executeUpdate(addEvidenceUpdate, { args: [{ bundleHash: waiting.bundleHash, documentIds: [], owners: { implementation: chenPerson }, requestId: rid(), actor: ana }] }))).toBe('forbidden');

  // As a client does it: the API stores each correction in a new bundle and tells the workflow.
  const api = await startApi({ client: h.client, pool: h.pool, config: h.config });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${h.tokens['u-ana']}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as HandoffState };
  };
  try {
    const sow = {
      id: 'sow',
      kind: 'sow',
      title: 'Statement of work',
      capturedAt: '2026-11-21T11:00:00Z',
      text: 'Statement of Work for Bluefin Logistics. Fees: USD 120,000 for a 24 month term. Deliverables: Fleet Insights configuration for 400 trucks and route exception alerts. Out of scope: single sign-on.',
    };
    const evidence = await post(`/handoffs/${handoffId}/evidence`, { documents: [sow] });
    expect(evidence.status).toBe(200);
    // The gates run again on the new bundle: the scope is evidenced now; the implementation owner is still missing.
    const stillWaiting = await waitForState(h, handoffId, (s) => s.bundleHash === evidence.body.bundleHash && s.stage === 'waiting_for_evidence' && !s.gateFailures.some((f) => f.code === 'missing_scope_evidence'));
    expect(stillWaiting.gateFailures.map((f) => f.code)).toEqual(['missing_implementation_owner']);

    const corrected = await post(`/handoffs/${handoffId}/owners`, { owners: { implementation: chenPerson }, reason: 'Chen Li accepted the delivery' });
    expect(corrected.status).toBe(200);
    // The correction is stored (the gates read it from the bundle) and audited; the handoff goes on to review.
    const review = await waitForState(h, handoffId, inStage('in_review'));
    expect(review.gateFailures).toEqual([]);
    expect(review.packet?.version).toBe(1);
    expect((await loadBundle(h.pool, review.bundleHash)).owners.implementation).toEqual(chenPerson);
    const audit = await h.pool.query("SELECT principal_id, decision FROM review_decisions WHERE handoff_id = $1 AND kind = 'owner_change'", [handoffId]);
    expect(audit.rows).toEqual([{ principal_id: 'u-ana', decision: 'owners_changed' }]);
  } finally {
    await api.close();
  }
  await maybeRecord('waiting-for-evidence', handoffId);
  await handle.terminate('test done');
});

test('an unowned dependency holds review until the handoff owner says who owns it', async () => {
  const { handoffId, handle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), 'owner-q'));
  const review = await waitForState(h, handoffId, inStage('in_review'));
  // Not a review item someone approves: a blocking question to the handoff owner, followed up like one.
  expect(review.reviewItems.some((i) => i.category === 'dependency_owner')).toBe(false);
  const q = review.openQuestions.find((x) => x.blocking)!;
  expect(q).toMatchObject({ id: 'q1', askOf: 'handoff_owner', askedOf: 'u-ana', remindAt: expect.any(String), escalateAt: expect.any(String) });
  expect(q.question).toMatch(/^Nobody is assigned to getting the data out of Epic and Kronos\. Who owns it: Northwind Health \(Eli Park\) or the implementation team\?/);

  for (const item of review.reviewItems) {
    await handle.executeUpdate(decideReviewItemUpdate, {
      args: [{ itemId: item.id, decision: 'rejected', packetVersion: review.packet!.version, requestId: rid(), actor: { id: item.routeTo, roles: ['reviewer'] } }],
    });
  }
  // Every item decided, and still in review: the question holds it.
  const held = await handle.query(stateQuery);
  expect([held.stage, held.reviewItems.every((i) => i.decision)]).toEqual(['in_review', true]);
  // The reviewer cannot settle it for the handoff owner.
  expect(await refusal(handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: q.id, answer: 'We do.', requestId: rid(), actor: chen }] }))).toBe('forbidden');
  await handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: q.id, answer: OWNER_ANSWER, requestId: rid(), actor: ana }] });
  const moved = await waitForState(h, handoffId, inStage('awaiting_signoff'));
  expect(moved.openQuestions.find((x) => x.id === q.id)!.answer).toMatchObject({ by: 'u-ana', text: OWNER_ANSWER });
  await handle.terminate('test done');
});

test('a question is answered only by the person asked, and only once', async () => {
  const { handoffId, handle } = await startHandoff(h, withDealId(loadSharedFixture('missing-evidence'), 'questions'));
  const waiting = await waitForState(h, handoffId, inStage('waiting_for_evidence'));
  const q = waiting.openQuestions[0];
  expect(await refusal(handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: q.id, answer: 'x', requestId: rid(), actor: chen }] }))).toBe('forbidden');
  expect(await refusal(handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: 'nope', answer: 'x', requestId: rid(), actor: ana }] }))).toBe('not_found');
  await handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: q.id, answer: 'Chen Li will own implementation.', requestId: rid(), actor: ana }] });
  const answered = await handle.query(stateQuery);
  expect(answered.openQuestions[0].answer).toMatchObject({ by: 'u-ana', text: 'Chen Li will own implementation.' });
  expect(await refusal(handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: q.id, answer: 'again', requestId: rid(), actor: ana }] }))).toBe('conflict');
  await handle.terminate('test done');
});

test('blocking questions hold review until the person asked answers them', async () => {
  // Besides the rules' own (the handoff owner's q1), a drafted packet may ask a blocking question of
  // someone else. A fake Messages endpoint drafts the rules' findings plus one blocking question for sales.
  const raw = withDealId(loadSharedFixture('worked-example'), 'blocking-q');
  const blocking = { question: 'Which clinic goes live first, and who at Northwind confirms it?', askOf: 'sales' as const, blocking: true };
  const draft = draftFromRules(draftPacket(redactBundle(IntakeBundle.parse(raw)).bundle));
  const fake = await startFakeAnthropic(() => toolUseResponse(PACKET_TOOL_NAME, { ...draft, openQuestions: [...draft.openQuestions, blocking] }));
  const llm = await startHarness({ ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: fake.baseURL, ANTHROPIC_MODEL: 'claude-test' }, { api: false });
  try {
    const { handoffId, handle } = await startHandoff(llm, raw);
    const review = await waitForState(llm, handoffId, inStage('in_review'));
    expect(review.packet?.draftedBy).toBe('llm:claude-test');
    const q = review.openQuestions.find((x) => x.question === blocking.question)!;
    expect(q).toMatchObject({ blocking: true, askedOf: 'u-ben' });
    expect(review.reviewItems.length).toBeGreaterThan(0);

    // Every item decided and the handoff owner's question answered: without the sales question, review would end here.
    for (const item of review.reviewItems) {
      await handle.executeUpdate(decideReviewItemUpdate, {
        args: [{ itemId: item.id, decision: 'rejected', packetVersion: review.packet!.version, requestId: rid(), actor: { id: item.routeTo, roles: ['reviewer'] } }],
      });
    }
    expect(review.openQuestions.filter((x) => x.blocking).map((x) => x.askedOf).sort()).toEqual(['u-ana', 'u-ben']);
    await handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: 'q1', answer: OWNER_ANSWER, requestId: rid(), actor: ana }] });
    const held = await handle.query(stateQuery);
    expect(held.reviewItems.every((i) => i.decision)).toBe(true);
    // Held: still in review two seconds on (moving on takes the worker well under a second).
    const until = Date.now() + 2_000;
    while (Date.now() < until) {
      expect((await handle.query(stateQuery)).stage).toBe('in_review');
      await new Promise((r) => setTimeout(r, 200));
    }
    // Only the person asked answers it, once; then review moves on.
    expect(await refusal(handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: q.id, answer: 'x', requestId: rid(), actor: chen }] }))).toBe('forbidden');
    await handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: q.id, answer: 'Clinic A first; Dana confirms.', requestId: rid(), actor: ben }] });
    const moved = await waitForState(llm, handoffId, inStage('awaiting_signoff'), 10_000);
    expect(moved.openQuestions.find((x) => x.id === q.id)!.answer).toMatchObject({ by: 'u-ben', text: 'Clinic A first; Dana confirms.' });
    await handle.terminate('test done');
  } finally {
    await llm.close();
    await fake.close();
  }
});
