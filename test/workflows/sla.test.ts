import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { inStage, startHandoff, waitForState } from '../support/start-handoff';

// Second-scale SLAs on a real dev server: a reminder to the reviewer, then an escalation to the
// escalation contact, each written to the outbox exactly once.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { api: false });
});
afterAll(async () => {
  await h?.close();
});

async function outbox(handoffId: string) {
  const { rows } = await h.pool.query<{ dedupe_key: string; kind: string; recipient: string }>(
    'SELECT dedupe_key, kind, recipient FROM notifications WHERE handoff_id = $1 ORDER BY id',
    [handoffId],
  );
  return rows;
}

test('a stale review item is reminded, then escalated, once each', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'sla');
  bundle.owners = { ...bundle.owners, escalation: { id: 'u-lead', name: 'Lee Lead', email: 'lee@vendor.example' } };
  const { handoffId, handle } = await startHandoff(h, bundle, { reminderAfterS: 2, escalateAfterS: 4, repeatEveryS: 3600 });
  const review = await waitForState(h, handoffId, inStage('in_review'));
  const pending = review.reviewItems.length;
  expect(pending).toBeGreaterThan(0);

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
  expect(new Set(reminders.map((n) => n.recipient))).toEqual(new Set(review.reviewItems.map((i) => i.routeTo)));
  expect(escalations.every((n) => n.recipient === 'u-lead')).toBe(true);
  expect(sent.map((n) => n.dedupe_key)).toContain(`${handoffId}:r1:reminder:1`);

  const state = await waitForState(h, handoffId, () => true);
  expect(state.reviewItems.every((i) => i.notices?.reminders === 1 && i.notices?.escalations === 1)).toBe(true);
  // The next escalation is an interval later, not sooner.
  const next = Date.parse(state.reviewItems[0].escalateAt!);
  expect(next - Date.parse(state.reviewItems[0].routedAt)).toBe((4 + 3600) * 1000);

  // Decided items are followed up no more.
  await handle.terminate('test done');
});
