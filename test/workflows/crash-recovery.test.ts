import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { drive, replayAll } from '../support/drive-handoffs';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { maybeRecordHistory } from '../support/histories';
import { startHandoff } from '../support/start-handoff';

// The worker is its own process (`node --import tsx worker.ts`: no wrapper between the signal and
// the worker), SIGKILLed at random moments while handoffs go through their whole lifecycle with
// second-scale reminders firing. Nothing may be lost, stuck or written twice.

const HANDOFFS = 20;
const KILLS = 10;
const root = path.resolve(__dirname, '..', '..');
let h: Harness;
let worker: ChildProcess | undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'worker.ts')], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_TASK_QUEUE: h.config.TEMPORAL_TASK_QUEUE,
      HANDOFF_WORKFLOW_BUNDLE: process.env.HANDOFF_TEST_WORKFLOW_BUNDLE,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Every worker's own log is kept beside the test's data for a post-mortem.
  const log = fs.createWriteStream(path.join(process.env.HANDOFF_TEST_DATA ?? '/tmp', `crash-worker-${child.pid}.log`));
  child.stdout!.on('data', (d) => ((output += d), log.write(d)));
  child.stderr!.on('data', (d) => ((output += d), log.write(d)));
  // The worker is ready when it polls; Temporal's log says so.
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${output}`)), 60_000);
    const check = () => {
      if (/Worker state changed.*RUNNING|state: 'RUNNING'/.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${output}`)));
  });
}

async function killWorker(): Promise<void> {
  const victim = worker!;
  const exited = new Promise((r) => victim.once('exit', r));
  victim.kill('SIGKILL');
  await exited;
  // The process that did the work is gone, not a wrapper around it.
  expect(alive(victim.pid!)).toBe(false);
  worker = undefined;
}

beforeAll(async () => {
  h = await startHarness({}, { api: false, worker: false });
});
afterAll(async () => {
  if (worker?.pid && alive(worker.pid)) worker.kill('SIGKILL');
  await h?.close();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A slow reviewer decides only once a reminder reached the outbox, however often the worker died meanwhile. */
async function untilReminded(handoffId: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { rows } = await h.pool.query("SELECT 1 FROM notifications WHERE handoff_id = $1 AND kind = 'reminder' LIMIT 1", [handoffId]);
    if (rows.length) return;
    await pause(250);
  }
}

test(`${HANDOFFS} handoffs survive ${KILLS} SIGKILLs of their worker: nothing lost, stuck or duplicated`, async () => {
  worker = await startWorkerProcess();
  // The spawned process is the worker itself: its pid answers, and it is node running worker.ts.
  expect(alive(worker.pid!)).toBe(true);

  const sla = { reminderAfterS: 1, escalateAfterS: 2, repeatEveryS: 3 };
  const started = await Promise.all(
    Array.from({ length: HANDOFFS }, (_, i) => startHandoff(h, withDealId(loadSharedFixture('worked-example'), `crash-${i}`), sla)),
  );
  const ids = started.map((s) => s.handoffId);
  const driving = Promise.allSettled(ids.map((id, i) => drive(h, id, i, 300_000, i % 2 === 0 ? () => untilReminded(id) : undefined)));

  // Kill at random moments (seeded by the run, printed on failure) until every kill is spent.
  let kills = 0;
  const moments: number[] = [];
  while (kills < KILLS) {
    const wait = 500 + Math.floor(Math.random() * 2500);
    moments.push(wait);
    await pause(wait);
    await killWorker();
    kills += 1;
    worker = await startWorkerProcess();
  }
  const outcomes = await driving;

  // 0 lost, 0 stuck: every handoff completed.
  const stages = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.stage : `stuck: ${String(o.reason)}`));
  expect({ moments, stages }).toEqual({ moments, stages: ids.map(() => 'completed') });

  // 0 duplicates, by what each row means rather than by its key (keys are unique by constraint).
  const dupes = async (sql: string) => (await h.pool.query(sql, [ids])).rows;
  expect(await dupes(`SELECT handoff_id, item_id, kind, packet_version, count(*) FROM review_decisions
    WHERE handoff_id = ANY($1) GROUP BY 1,2,3,4 HAVING count(*) > 1`)).toEqual([]);
  // Each item's reminders (and escalations) are numbered 1..n: none sent twice, none skipped in the count.
  const series = await dupes(`SELECT series, array_agg(attempt ORDER BY attempt) AS attempts FROM (
      SELECT regexp_replace(dedupe_key, ':\\d+$', '') AS series, (regexp_match(dedupe_key, ':(\\d+)$'))[1]::int AS attempt
      FROM notifications WHERE handoff_id = ANY($1) AND kind IN ('reminder', 'escalation')) n GROUP BY series`);
  expect(series.length).toBeGreaterThan(0);
  expect(series.filter((r) => r.attempts.some((a: number, i: number) => a !== i + 1))).toEqual([]);
  expect(await dupes(`SELECT handoff_id, count(*) FROM kickoff_releases WHERE handoff_id = ANY($1) GROUP BY 1 HAVING count(*) > 1`)).toEqual([]);
  expect(await dupes(`SELECT handoff_id, kind, detail->>'rework', detail->>'count', count(*) FROM measurement_events
    WHERE handoff_id = ANY($1) AND kind NOT IN ('packet_completion', 'expectation_gaps', 'clarification_requests')
    GROUP BY 1,2,3,4 HAVING count(*) > 1`)).toEqual([]);

  // And nothing missing: one release, one acceptance and one milestone reading per handoff.
  const perHandoff = async (sql: string) => (await h.pool.query<{ n: number }>(sql, [ids])).rows[0].n;
  expect(await perHandoff('SELECT count(DISTINCT handoff_id)::int AS n FROM kickoff_releases WHERE handoff_id = ANY($1)')).toBe(HANDOFFS);
  expect(await perHandoff("SELECT count(*)::int AS n FROM measurement_events WHERE handoff_id = ANY($1) AND kind = 'accepted'")).toBe(HANDOFFS);
  expect(await perHandoff("SELECT count(*)::int AS n FROM measurement_events WHERE handoff_id = ANY($1) AND kind = 'first_milestone_readiness'")).toBe(HANDOFFS);
  expect(await perHandoff("SELECT count(DISTINCT handoff_id)::int AS n FROM review_decisions WHERE handoff_id = ANY($1) AND kind = 'signoff'")).toBe(HANDOFFS);

  // Histories written across crashes replay through the current code.
  expect(await replayAll(h, ids)).toEqual([]);
  if (process.env.RECORD_HISTORIES) {
    // The corpus keeps a run that a kill really interrupted while its reminders fired.
    const { EventType } = temporal.api.enums.v1;
    let chosen = ids[0];
    for (const id of ids) {
      const types = ((await h.client.workflow.getHandle(id).fetchHistory()).events ?? []).map((e) => e.eventType);
      const interrupted = types.some((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT || t === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT);
      if (interrupted && types.includes(EventType.EVENT_TYPE_TIMER_FIRED)) {
        chosen = id;
        break;
      }
    }
    maybeRecordHistory('crash-recovery-sigkills', h.config.TEMPORAL_ADDRESS, chosen);
  }
}, 600_000);
