import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { inStage, startHandoff, waitForState } from '../support/start-handoff';
import { decideReviewItemUpdate } from '../../src/workflows/definitions';

// Second-scale SLAs on a real dev server: a reminder to the reviewer, then an escalation to the
// escalation contact, each written to the outbox exactly once; a decided item is followed up no more.
// Temporal's time-skipping test server would make these instant, but it is downloaded from
// temporal.download at run time, which this build cannot reach; so real seconds it is.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { api: false });
});
afterAll(async () => {
  await h?.close();
});

async function outbox(handoffId: string) {
  const { rows } = await h.pool.query<{ dedupe_key: string; kind: string; recipient: string; item_id: string; created_at: Date }>(
    "SELECT dedupe_key, kind, recipient, body->>'itemId' AS item_id, created_at FROM notifications WHERE handoff_id = $1 ORDER BY id",
    [handoffId],
  );
  return rows;
}

test('a stale review item or blocking question is reminded, then escalated, once each', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'sla');
  bundle.owners = { ...bundle.owners, escalation: { id: 'u-lead', name: 'Lee Lead', email: 'lee@vendor.example' } };
  const { handoffId, handle } = await startHandoff(h, bundle, { reminderAfterS: 2, escalateAfterS: 4, repeatEveryS: 3600 });
  const review = await waitForState(h, handoffId, inStage('in_review'));
  // The review items and the question of who owns the data extraction, asked of the handoff owner.
  const questions = review.openQuestions.filter((q) => q.blocking);
  expect(questions.map((q) => [q.id, q.askedOf])).toEqual([['q1', 'u-ana']]);
  const followed = [...review.reviewItems.map((i) => i.routeTo), ...questions.map((q) => q.askedOf)];
  const pending = followed.length;
  expect(review.reviewItems.length).toBeGreaterThan(0);

  // Wait for every escalation to land (bounded), then a little longer to see nothing repeats.
  const deadline = Date.now() + 20_000;
  while ((await outbox(handoffId)).filter((n) => n.kind === 'escalation').length < pending && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1500));
  const sent = await outbox(handoffId);

  const reminders = sent.filter((n) => n.kind === 'reminder');
  const escalations = sent.filter((n) => n.kind === 'escalation');
  expect(reminders).toHaveLength(pending);
  expect(escalations).toHaveLength(pending);
  expect(reminders.map((n) => n.recipient).sort()).toEqual([...followed].sort());
  expect(escalations.every((n) => n.recipient === 'u-lead')).toBe(true);
  expect(sent.map((n) => n.dedupe_key)).toEqual(expect.arrayContaining([`${handoffId}:r1:reminder:1`, `${handoffId}:q1:reminder:1`, `${handoffId}:q1:escalation:1`]));

  const state = await waitForState(h, handoffId, () => true);
  expect(state.reviewItems.every((i) => i.notices?.reminders === 1 && i.notices?.escalations === 1)).toBe(true);
  expect(state.openQuestions.find((q) => q.id === 'q1')?.notices).toMatchObject({ reminders: 1, escalations: 1 });
  // The next escalation is an interval later, not sooner.
  const next = Date.parse(state.reviewItems[0].escalateAt!);
  expect(next - Date.parse(state.reviewItems[0].routedAt)).toBe((4 + 3600) * 1000);

  // The handoff stays in review; nothing more to see here.
  await handle.terminate('test done');
});

test('a decided item is followed up no more, while the undecided ones keep being reminded', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'sla-decided');
  // Reminders every 2 s, no escalation within the test.
  const { handoffId, handle } = await startHandoff(h, bundle, { reminderAfterS: 2, escalateAfterS: 3600, repeatEveryS: 2 });
  const review = await waitForState(h, handoffId, inStage('in_review'));
  const [decided, control] = review.reviewItems;
  expect(control).toBeDefined();
  const rowsFor = async (itemId: string) => (await outbox(handoffId)).filter((n) => n.item_id === itemId);
  const until = async (what: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  // Decide the item right after its first reminder went out: its next one is due 2 s later.
  await until(async () => (await rowsFor(decided.id)).length >= 1, 15_000);
  await handle.executeUpdate(decideReviewItemUpdate, {
    args: [{ decision: 'approved', packetVersion: review.packet!.version, itemId: decided.id, requestId: `${handoffId}:decide`, actor: { id: decided.routeTo!, roles: ['implementation', 'reviewer'] } }],
  });
  const decidedAt = new Date();
  const decidedRows = await rowsFor(decided.id);
  const controlAtDecision = (await rowsFor(control.id)).length;

  // A window in which the decided item's reminder would have fired at least twice: the undecided
  // item, on the same rhythm, gets two more.
  await until(async () => (await rowsFor(control.id)).length >= controlAtDecision + 2, 15_000);

  const after = await rowsFor(decided.id);
  expect(after.map((n) => n.dedupe_key)).toEqual(decidedRows.map((n) => n.dedupe_key));
  expect(after.filter((n) => n.created_at > decidedAt)).toEqual([]);
  const state = await waitForState(h, handoffId, () => true);
  const item = state.reviewItems.find((i) => i.id === decided.id)!;
  expect(item.decision).toMatchObject({ decision: 'approved' });
  expect(item.notices?.reminders).toBe(decidedRows.length);
  expect(state.reviewItems.find((i) => i.id === control.id)!.notices!.reminders).toBeGreaterThanOrEqual(controlAtDecision + 2);

  await handle.terminate('test done');
}, 45_000);
