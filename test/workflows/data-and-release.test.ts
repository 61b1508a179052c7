import type { WorkflowHandle } from '@temporalio/client';
import { loadBundle, storeBundle } from '../../src/db/bundles';
import type { Actor } from '../../src/domain/review';
import { addEvidenceUpdate, returnForContextUpdate, searchAttributes } from '../../src/workflows/definitions';
import { drive, seenRevision, state } from '../support/drive-handoffs';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { startHandoff, waitForState, inStage } from '../support/start-handoff';

// Bad data stops a handoff with a question instead of an endless retry; corrections made by
// evidence reach the release; each rework counts once.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { api: false });
});
afterAll(async () => {
  await h?.close();
});

const ana: Actor = { id: 'u-ana', roles: ['sales'] };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The handoff's activities retry after 1 s, then 2 s, then 4 s (initialInterval 1 s, coefficient 2).
const retryIntervalsMs = [1_000, 2_000, 4_000];

/**
 * The history's length once the workflow is idle: no activity pending (or retrying), no workflow task
 * pending, and no new event for `quietMs`. The state query shows a question before the progress write
 * that records it has landed, so history read right after still grows.
 */
async function settledHistory(handle: WorkflowHandle, quietMs: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let length = -1;
  let since = Date.now();
  for (;;) {
    const { raw } = await handle.describe();
    const pending = raw.pendingActivities ?? [];
    const events = (await handle.fetchHistory()).events!.length;
    if (pending.length > 0 || raw.pendingWorkflowTask || events !== length) {
      length = events;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return length;
    }
    if (Date.now() > deadline) {
      const activities = pending.map((a) => ({ type: a.activityType?.name, attempt: a.attempt, lastFailure: a.lastFailure?.message }));
      throw new Error(`history never settled: ${events} events, pending activities ${JSON.stringify(activities)}`);
    }
    await pause(200);
  }
}

test('a stored bundle no activity can use asks the handoff owner and stops retrying', async () => {
  const { handoffId, handle, bundle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), 'baddata'));
  await waitForState(h, handoffId, inStage('in_review'));
  // A bundle stored before the date rules tightened: Postgres keeps it, the schema refuses it now.
  const current = await loadBundle(h.pool, (await state(h, handoffId)).bundleHash);
  const broken = await storeBundle(h.pool, { ...current, kickoffTarget: '0000-01-01' });
  await handle.executeUpdate(addEvidenceUpdate, { args: [{ requestId: `${handoffId}-bad`, actor: ana, bundleHash: broken, documentIds: [] }] });
  // Evidence in review does not re-run the gates by itself; a return for context and new evidence do.
  await handle.executeUpdate(returnForContextUpdate, { args: [{ reason: 'Kickoff date?', requestId: `${handoffId}-ret`, actor: { id: 'u-chen', roles: ['implementation'] } }] });
  await handle.executeUpdate(addEvidenceUpdate, { args: [{ requestId: `${handoffId}-bad3`, actor: ana, bundleHash: broken, documentIds: [] }] });

  const asked = await waitForState(h, handoffId, (s) => s.openQuestions.some((q) => q.id.startsWith('invalid-data-')));
  expect(asked.stage).toBe('waiting_for_evidence');
  const question = asked.openQuestions.find((q) => q.id.startsWith('invalid-data-'))!;
  expect(question).toMatchObject({ blocking: true, askedOf: bundle.owners.handoffOwner!.id });
  expect(question.question).toMatch(/kickoffTarget/);

  // No retry loop: once the writes that asking made have landed, history stands still while nobody
  // acts. An activity retrying stays pending (its retries add no event), so the history never settles.
  const settled = await settledHistory(handle, retryIntervalsMs[0] + retryIntervalsMs[1]);
  await pause(retryIntervalsMs[2] + 1_000);
  expect((await handle.describe()).raw.pendingActivities ?? []).toEqual([]);
  expect((await handle.fetchHistory()).events!.length).toBe(settled);
  await handle.terminate('test done');
});

test('kickoff date and system of record corrected by evidence reach the release; a rework counts once', async () => {
  const { handoffId, handle, bundle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), 'correct'));
  await waitForState(h, handoffId, inStage('in_review'));
  const current = await loadBundle(h.pool, (await state(h, handoffId)).bundleHash);
  const corrected = await storeBundle(h.pool, { ...current, kickoffTarget: '2026-12-10', systemOfRecord: { system: 'salesforce', recordId: 'OPP-77' } });
  expect(bundle.kickoffTarget).not.toBe('2026-12-10');
  const ack = await handle.executeUpdate(addEvidenceUpdate, {
    args: [{ requestId: `${handoffId}-fix`, actor: ana, bundleHash: corrected, documentIds: [], kickoffTarget: '2026-12-10' }],
  });
  // The driver acts on what the read model shows; it shows the correction from this revision on.
  await seenRevision(h, handoffId, ack.revision!);

  // Index 0 asks for changes once in its first review round: one rework.
  const done = await drive(h, handoffId, 0);
  expect(done.stage).toBe('completed');
  expect(done.rework).toBe(1);

  const { rows } = await h.pool.query('SELECT system, record_id, customer_email FROM kickoff_releases WHERE handoff_id = $1', [handoffId]);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ system: 'salesforce', record_id: 'OPP-77' });
  expect(rows[0].customer_email).toContain('2026-12-10');

  const description = await handle.describe();
  expect(description.typedSearchAttributes.get(searchAttributes.kickoffTarget)?.toISOString()).toBe('2026-12-10T00:00:00.000Z');
  const projection = await h.pool.query("SELECT to_char(kickoff_target, 'YYYY-MM-DD') AS k FROM handoffs WHERE handoff_id = $1", [handoffId]);
  expect(projection.rows[0]?.k).toBe('2026-12-10');

  const rework = await h.pool.query<{ value: number }>("SELECT value FROM measurement_events WHERE handoff_id = $1 AND kind = 'kickoff_rework'", [handoffId]);
  expect(rework.rows.map((r) => r.value)).toEqual([1]);
});
