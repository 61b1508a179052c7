import { drive, replayAll, state } from '../support/drive-handoffs';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { maybeRecordHistory } from '../support/histories';
import { startHandoff } from '../support/start-handoff';

// The reproduction of issue 9.1: many handoffs, every decision of a round sent at once, reminder
// timers firing, a worker restart in the middle. Then every history must replay through the
// current code. Before update handlers stopped awaiting local activities, some did not.

const HANDOFFS = 40;
const secondsSla = { reminderAfterS: 1, escalateAfterS: 2, repeatEveryS: 2 };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { api: false });
});
afterAll(async () => {
  await h?.close();
});

test(`${HANDOFFS} handoffs with concurrent updates, firing reminders and a worker restart all complete and replay`, async () => {
  const started = await Promise.all(
    Array.from({ length: HANDOFFS }, (_, i) => startHandoff(h, withDealId(loadSharedFixture('worked-example'), `conc-${i}`), secondsSla)),
  );
  const ids = started.map((s) => s.handoffId);

  // Restart the worker while rounds are under way: its cache goes, and every handoff replays.
  // Every other reviewer is slow, so reminders and escalations fall due while updates arrive.
  const driving = ids.map((id, i) => drive(h, id, i, 180_000, i % 2 === 0 ? () => pause(2_500) : undefined));
  await pause(4_000);
  await h.stopWorker();
  await h.startWorker();
  const outcomes = await Promise.allSettled(driving);
  const finals = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.stage : String(o.reason)));
  // Replay first: when a handoff got stuck, the replay failures say why.
  const failures = await replayAll(h, ids);
  expect(failures).toEqual([]);
  expect(finals).toEqual(ids.map(() => 'completed'));
  // Reminders fired while review waited: timers and updates really did interleave.
  const { rows } = await h.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM notifications WHERE handoff_id = ANY($1) AND kind = 'reminder'", [ids]);
  expect(rows[0].n).toBeGreaterThan(0);
  // Every decision audited exactly once (the table's key is the request id; one row per item and version).
  const audit = await h.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM (SELECT handoff_id, item_id, packet_version FROM review_decisions WHERE handoff_id = ANY($1) AND kind = 'review_decision' GROUP BY 1,2,3 HAVING count(*) > 1) d",
    [ids],
  );
  expect(audit.rows[0].n).toBe(0);

  // After another restart, every completed handoff still answers its state query (this replays it).
  await h.stopWorker();
  await h.startWorker();
  const reread = await Promise.all(ids.map((id) => state(h, id)));
  expect(reread.every((s) => s.stage === 'completed')).toBe(true);

  expect(await replayAll(h, ids)).toEqual([]);

  // Two of them join the replay corpus (RECORD_HISTORIES=1): one with a change request, one without.
  maybeRecordHistory('concurrent-updates-with-changes', h.config.TEMPORAL_ADDRESS, ids[0]);
  maybeRecordHistory('concurrent-updates', h.config.TEMPORAL_ADDRESS, ids[1]);
}, 300_000);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
