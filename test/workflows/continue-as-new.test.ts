import path from 'node:path';
import type { Actor } from '../../src/domain/review';
import { startTemporalDevServer, type DevServer } from '../../src/dev/temporal-server';
import { freePort } from '../../src/dev/free-port';
import { answerQuestionUpdate, decideReviewItemUpdate, signoffUpdate } from '../../src/workflows/definitions';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { maybeRecordHistory } from '../support/histories';
import { inStage, startHandoff, waitForState } from '../support/start-handoff';

// Long reviews continue as new with their state. A dev server of its own suggests continue-as-new
// after a few dozen events, and one-second SLAs make the history grow fast.

let server: DevServer;
let h: Harness;
beforeAll(async () => {
  server = await startTemporalDevServer({
    port: await freePort(),
    headless: true,
    logFile: path.join(process.env.HANDOFF_TEST_DATA!, 'temporal-can.log'),
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 },
  });
  h = await startHarness({ TEMPORAL_ADDRESS: server.address }, { api: false });
});
afterAll(async () => {
  await h?.close();
  await server?.stop();
});

test('a review that outgrows its history continues as new and loses nothing', async () => {
  const { handoffId, handle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), 'can'), {
    reminderAfterS: 1,
    escalateAfterS: 1,
    repeatEveryS: 1,
  });
  const review = await waitForState(h, handoffId, inStage('in_review'));
  const firstRunId = (await handle.describe()).runId;
  const chen: Actor = { id: 'u-chen', roles: ['implementation', 'reviewer'] };
  const [first, ...rest] = review.reviewItems;
  await handle.executeUpdate(decideReviewItemUpdate, { args: [{ itemId: first.id, decision: 'approved', packetVersion: 1, requestId: `${handoffId}-${first.id}`, actor: chen }] });

  // Reminders every second grow the history until the server suggests continuing as new.
  const deadline = Date.now() + 30_000;
  while ((await handle.describe()).runId === firstRunId && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const { runId } = await handle.describe();
  expect(runId).not.toBe(firstRunId);
  expect((await h.client.workflow.getHandle(handoffId, firstRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');
  maybeRecordHistory('continued-as-new', server.address, handoffId, firstRunId);

  // The new run keeps following up where the old one stopped: the next reminder is number 2, not 1 again.
  const carried = await waitForState(h, handoffId, (s) => s.stage === 'in_review' && [...s.reviewItems.filter((i) => !i.decision), ...s.openQuestions.filter((q) => q.blocking)].every((i) => (i.notices?.reminders ?? 0) >= 2));
  expect(carried.packet).toEqual(review.packet);
  expect(carried.reviewItems.find((i) => i.id === first.id)?.decision).toMatchObject({ decision: 'approved', by: 'u-chen' });

  for (const item of rest) {
    await handle.executeUpdate(decideReviewItemUpdate, { args: [{ itemId: item.id, decision: 'rejected', packetVersion: 1, requestId: `${handoffId}-${item.id}`, actor: chen }] });
  }
  // The handoff owner's question (who owns the data extraction) was carried over too; answering it ends review.
  expect(carried.openQuestions.find((q) => q.id === 'q1')).toMatchObject({ blocking: true, askedOf: 'u-ana' });
  await handle.executeUpdate(answerQuestionUpdate, { args: [{ questionId: 'q1', answer: 'Northwind pulls the exports.', requestId: `${handoffId}-q1`, actor: { id: 'u-ana', roles: ['sales'] } }] });
  const awaiting = await waitForState(h, handoffId, inStage('awaiting_signoff'));
  for (const [role, id] of [['sales', 'u-ben'], ['implementation', 'u-chen']] as const) {
    await handle.executeUpdate(signoffUpdate, { args: [{ role, packetVersion: 1, packetHash: awaiting.packet!.hash, requestId: `${handoffId}-${role}`, actor: { id, roles: [role] } }] });
  }
  await waitForState(h, handoffId, inStage('first_milestone'));

  const notices = await h.pool.query('SELECT dedupe_key FROM notifications WHERE handoff_id = $1', [handoffId]);
  const keys = notices.rows.map((r) => r.dedupe_key);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys).toEqual(expect.arrayContaining([`${handoffId}:${rest[0].id}:reminder:2`, `${handoffId}:q1:reminder:2`]));
  await handle.terminate('test done');
});
