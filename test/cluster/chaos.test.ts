import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startCluster, type Cluster } from '../../src/dev/cluster';
import { searchAttributes } from '../../src/workflows/definitions';
import { driveViaApi, pause, replayAll, roundRobin } from '../support/drive-handoffs';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

// The self-hosted topology (src/dev/cluster.ts): a Temporal server on PostgreSQL, two workers and two
// API instances, each its own process, in a data folder of this test's own on free ports. Handoffs go
// through both APIs in turn while one worker is SIGKILLed again and again and the Temporal server is
// SIGKILLed once and started again on the same database. Nothing may be lost, stuck, unreplayable or
// written twice, and visibility must still find every handoff. Then the whole cluster stops and a
// second start on the same folder finds the handoffs again.

const HANDOFFS = 50;
const WORKER_KILLS = 5;
const TASK_QUEUE = 'handoff-chaos';
const dataDir = path.resolve(__dirname, '..', '..', '.data', `chaos-${process.pid}`);
let cluster: Cluster | undefined;
let h: Harness;
const ids: string[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const commandLine = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');

// The Postgres server of the run's global setup (an embedded one cannot load inside jest's module
// sandbox), with databases of this test's own: Handoff's, and Temporal's two beside it.
let databaseUrl: string;

const start = () =>
  startCluster({
    dataDir,
    databaseUrl,
    temporalDatabase: `chaos_${process.pid}_temporal`,
    workers: 2,
    workerMetrics: true,
    apiPorts: [0, 0],
    workflowBundle: process.env.HANDOFF_TEST_WORKFLOW_BUNDLE,
    env: {
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      LOG_LEVEL: 'warn',
      ANTHROPIC_API_KEY: undefined,
      // Second-scale SLAs: reminders and escalations fire while processes die.
      REVIEW_REMINDER_AFTER_S: '1',
      REVIEW_ESCALATE_AFTER_S: '2',
      REVIEW_REPEAT_EVERY_S: '3',
    },
  });

beforeAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/chaos_${process.pid}`;
  databaseUrl = url.toString();
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE chaos_${process.pid}`);
  await admin.end();
  cluster = await start();
  h = await startHarness(
    { DATABASE_URL: cluster.databaseUrl, TEMPORAL_ADDRESS: cluster.temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE },
    { api: false, worker: false },
  );
}, 240_000);

afterAll(async () => {
  await h?.close();
  await cluster?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Until the worker behind this metrics endpoint has run at least one workflow or activity task. */
async function untilWorking(metricsUrl: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await fetch(metricsUrl).then((r) => r.text()).catch(() => '');
    const ran = [...text.matchAll(/^temporal_(?:workflow_task|activity)_execution_latency\w*_count(?:\{[^}]*\})? (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    if (ran > 0) return;
    await pause(100);
  }
  throw new Error(`the worker at ${metricsUrl} ran no task in 60 s; its metrics: ${text.split('\n').filter((l) => l.includes('execution_latency')).slice(0, 5).join(' | ') || text.slice(0, 500)}`);
}

/** A slow reviewer decides only once a reminder reached the outbox, however often processes died meanwhile. */
async function untilReminded(handoffId: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { rows } = await h.pool.query("SELECT 1 FROM notifications WHERE handoff_id = $1 AND kind = 'reminder' LIMIT 1", [handoffId]);
    if (rows.length) return;
    await pause(250);
  }
}

test(`${HANDOFFS} handoffs through two API instances survive ${WORKER_KILLS} worker SIGKILLs and a Temporal server SIGKILL`, async () => {
  const c = cluster!;
  const api = roundRobin(c.apis.map((a) => a.url!));
  const victim = c.workers[0];
  const victims: number[] = [];
  const moments: string[] = [];

  // Start every handoff through the APIs in turn.
  for (let i = 0; i < HANDOFFS; i++) {
    const res = await api.call('POST', '/handoffs', h.tokens['u-ana'], withDealId(loadSharedFixture('worked-example'), `chaos-${i}`));
    expect({ status: res.status < 300, created: res.body?.created }).toEqual({ status: true, created: true });
    ids.push(res.body.handoffId);
  }
  // A few reviewers wait until every kill is done (their reminders keep firing meanwhile), so there is
  // always work for a restarted worker to take: the next kill then finds it doing that work.
  let killsDone: () => void = () => undefined;
  const afterKills = new Promise<void>((resolve) => (killsDone = resolve));
  const slowReviewer = (id: string, i: number) =>
    i % 10 === 0 ? () => Promise.all([untilReminded(id), afterKills]) : i % 2 === 0 ? () => untilReminded(id) : undefined;
  const driving = Promise.allSettled(ids.map((id, i) => driveViaApi(h, api, id, i, 300_000, slowReviewer(id, i))));

  const killWorker = async () => {
    const pid = victim.pid;
    // The process signalled is node running worker.ts itself, not a wrapper around it, and it is
    // doing the work: its own SDK metrics count tasks it ran since it started.
    expect(commandLine(pid)).toContain('worker.ts');
    await untilWorking(victim.metricsUrl!);
    await victim.kill();
    expect(alive(pid)).toBe(false);
    victims.push(pid);
    moments.push(`worker ${pid}`);
    await victim.restart();
  };
  try {
    for (let kill = 1; kill <= WORKER_KILLS; kill++) {
      await pause(1000 + Math.floor(Math.random() * 2500));
      await killWorker();
      if (kill === 2) {
        // The Temporal server, mid-run: SIGKILL, then a new process on the same database and ports.
        await pause(500 + Math.floor(Math.random() * 1500));
        const pid = c.temporal.pid;
        expect(fs.realpathSync(`/proc/${pid}/exe`)).toMatch(/temporal-server$/);
        await c.temporal.kill();
        expect(alive(pid)).toBe(false);
        moments.push(`temporal-server ${pid}`);
        await c.temporal.restart();
        expect(c.temporal.pid).not.toBe(pid);
      }
    }
  } finally {
    killsDone();
  }
  const outcomes = await driving;

  // 0 lost, 0 stuck: every handoff completed.
  const stages = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.stage : `stuck: ${String(o.reason)}`));
  expect({ moments, stages }).toEqual({ moments, stages: ids.map(() => 'completed') });
  // Both API instances served the run.
  expect(api.calls.every((n) => n > HANDOFFS)).toBe(true);

  // 0 duplicates, by what each row means (keys are unique by constraint).
  const rows = async (sql: string) => (await h.pool.query(sql, [ids])).rows;
  expect(await rows(`SELECT handoff_id, item_id, kind, packet_version, count(*) FROM review_decisions
    WHERE handoff_id = ANY($1) GROUP BY 1,2,3,4 HAVING count(*) > 1`)).toEqual([]);
  expect(await rows(`SELECT handoff_id, kind, dedupe_key, count(*) FROM notifications
    WHERE handoff_id = ANY($1) GROUP BY 1,2,3 HAVING count(*) > 1`)).toEqual([]);
  // Each item's reminders (and escalations) are numbered 1..n: none sent twice, none skipped.
  const series = await rows(`SELECT series, array_agg(attempt ORDER BY attempt) AS attempts FROM (
      SELECT regexp_replace(dedupe_key, ':\\d+$', '') AS series, (regexp_match(dedupe_key, ':(\\d+)$'))[1]::int AS attempt
      FROM notifications WHERE handoff_id = ANY($1) AND kind IN ('reminder', 'escalation')) n GROUP BY series`);
  expect(series.length).toBeGreaterThanOrEqual(HANDOFFS / 2);
  expect(series.filter((r) => r.attempts.some((a: number, i: number) => a !== i + 1))).toEqual([]);
  expect(await rows(`SELECT handoff_id, count(*) FROM kickoff_releases WHERE handoff_id = ANY($1) GROUP BY 1 HAVING count(*) > 1`)).toEqual([]);
  expect(await rows(`SELECT handoff_id, kind, detail->>'rework' AS rework, detail->>'count' AS returns, array_agg(key) AS keys, array_agg(detail::text) AS details
    FROM measurement_events WHERE handoff_id = ANY($1) AND kind NOT IN ('packet_completion', 'expectation_gaps', 'clarification_requests')
    GROUP BY 1,2,3,4 HAVING count(*) > 1`)).toEqual([]);
  // And nothing missing: one release, one acceptance, one milestone reading and signoffs per handoff.
  const count = async (sql: string) => (await h.pool.query<{ n: number }>(sql, [ids])).rows[0].n;
  expect(await count('SELECT count(DISTINCT handoff_id)::int AS n FROM kickoff_releases WHERE handoff_id = ANY($1)')).toBe(HANDOFFS);
  expect(await count("SELECT count(*)::int AS n FROM measurement_events WHERE handoff_id = ANY($1) AND kind = 'accepted'")).toBe(HANDOFFS);
  expect(await count("SELECT count(*)::int AS n FROM measurement_events WHERE handoff_id = ANY($1) AND kind = 'first_milestone_readiness'")).toBe(HANDOFFS);
  expect(await count("SELECT count(DISTINCT handoff_id)::int AS n FROM review_decisions WHERE handoff_id = ANY($1) AND kind = 'signoff'")).toBe(HANDOFFS);

  // Search attributes on the server's SQL visibility find every handoff, by deal and by stage.
  const deals = ids.map((id) => `'${id.replace(/^handoff-/, '')}'`).join(',');
  const listed = async (query: string) => {
    const found: string[] = [];
    for await (const wf of h.client.workflow.list({ query })) found.push(wf.workflowId);
    return found.sort();
  };
  const expected = [...ids].sort();
  let byDeal: string[] = [];
  let byStage: string[] = [];
  for (let attempt = 0; attempt < 60; attempt++) {
    byDeal = await listed(`DealId IN (${deals})`);
    byStage = await listed(`HandoffStage = 'completed' AND TaskQueue = '${TASK_QUEUE}' AND ExecutionStatus = 'Completed'`);
    if (byDeal.length === HANDOFFS && byStage.length === HANDOFFS) break;
    await pause(500); // visibility is written shortly after the workflow
  }
  expect({ byDeal, byStage }).toEqual({ byDeal: expected, byStage: expected });

  expect(victims).toHaveLength(WORKER_KILLS);

  // 0 unreplayable: histories written across the crashes replay through the current code.
  expect(await replayAll(h, ids)).toEqual([]);
}, 420_000);

test('a second start on the same data folder finds the handoffs and their workflows', async () => {
  const before = cluster!;
  const one = ids[0];
  await h.close();
  await before.stop();
  expect([before.temporal.pid, ...before.workers.map((w) => w.pid), ...before.apis.map((a) => a.pid)].filter(alive)).toEqual([]);
  cluster = await start();
  h = await startHarness(
    { DATABASE_URL: cluster.databaseUrl, TEMPORAL_ADDRESS: cluster.temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE },
    { api: false, worker: false },
  );
  const res = await roundRobin([cluster.apis[1].url!]).call('GET', `/handoffs/${one}`, h.tokens.admin);
  expect([res.status, res.body?.stage ?? res.body]).toEqual([200, 'completed']);
  const described = await h.client.workflow.getHandle(one).describe();
  expect(described.status.name).toBe('COMPLETED');
  expect(described.typedSearchAttributes.get(searchAttributes.dealId)).toBe(one.replace(/^handoff-/, ''));
}, 240_000);
