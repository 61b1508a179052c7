import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startCluster } from '../src/dev/cluster';
import { createPool } from '../src/db/pool';
import { createToken } from '../src/db/tokens';
import { demoPrincipals } from '../src/dev/demo-principals';
import { answerQuestionUpdate, decideReviewItemUpdate, searchAttributes } from '../src/workflows/definitions';
import { loadSharedFixture, withDealId } from '../test/support/fixtures';
import { bareScriptOf, type BareOp } from './bare/shape';
import { untilStage } from './long-poll';
import { completeWorkedExample } from './worked-example';
import { cleanups, startChild, type Child } from './processes';
import type { BenchResult } from './run';

// `npm run bench -- --cluster`: load on the self-hosted topology (src/dev/cluster.ts: a Temporal server
// on PostgreSQL, two workers, two API instances, each its own process). N handoffs start at once through
// both APIs in turn and are driven to completion (every review decision and blocking answer, both signoffs, the milestone);
// then the bare baseline (bench/bare: a no-op workflow issuing the same commands) is driven the same way
// on the same server by two bare workers, for the ratio. Memory is each process's peak RSS during a wave.

const MiB = 2 ** 20;
const POLL_MS = 1_000;
/** Review's steps, timed as decisions: an item decided or a blocking question answered. */
const REVIEW_STEPS = new Set([decideReviewItemUpdate.name, answerQuestionUpdate.name]);

export async function benchCluster({ quick }: { quick: boolean }): Promise<BenchResult> {
  const handoffs = quick ? 50 : 500;
  const log = (line: string) => console.error(`  [cluster] ${line}`);
  const dataDir = path.resolve(__dirname, '..', '.data', `bench-cluster-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const logger = new DefaultLogger('WARN');
  const [handoffCode, bareCode] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger }),
    bundleWorkflowCode({ workflowsPath: require.resolve('./bare/workflow'), logger }),
  ]);
  const loadAverage = os.loadavg()[0];
  const cluster = await startCluster({
    dataDir,
    workers: 2,
    apiPorts: [0, 0],
    workflowBundle: writeTo(path.join(dataDir, 'handoff-bundle.js'), handoffCode.code),
    env: { TEMPORAL_TASK_QUEUE: 'bench-cluster', LOG_LEVEL: 'warn', ANTHROPIC_API_KEY: undefined },
    log,
  });
  const stopCluster = async () => {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  cleanups.add(stopCluster);
  const bareBundle = writeTo(path.join(dataDir, 'bare-bundle.js'), bareCode.code);
  const bareWorkers: Child[] = [1, 2].map((i) =>
    startChild(`bare worker ${i}`, 'bench/bare/worker.ts', { TEMPORAL_ADDRESS: cluster.temporal.address, TEMPORAL_TASK_QUEUE: 'bench-cluster-bare', BARE_WORKFLOW_BUNDLE: bareBundle }),
  );
  const pool = createPool(cluster.databaseUrl);
  const connection = await Connection.connect({ address: cluster.temporal.address });
  const client = new Client({ connection, namespace: cluster.temporal.namespace });
  let keepLogs = false;
  try {
    const tokens: Record<string, string> = {};
    for (const p of demoPrincipals) tokens[p.id] = await createToken(pool, p);
    const tokenFor = async (id: string) => (tokens[id] ??= await createToken(pool, { id, name: id, roles: ['reviewer'] }));

    const urls = cluster.apis.map((a) => a.url!);
    let next = 0;
    const errors: string[] = [];
    let retried = 0;
    /**
     * One call, to the next API instance in turn. A 503 (overloaded: the answer carries Retry-After) is
     * tried again after that delay, for up to about two minutes, as a patient client would; actions
     * carry a requestId, so a retry never acts twice. Anything else that is not 2xx is an error.
     */
    const http = async (method: string, route: string, token: string, body?: unknown): Promise<any> => {
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(`${urls[next++ % urls.length]}${route}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (res.status === 503 && attempt < 25) {
          retried++;
          await sleep(Math.min(5, Number(res.headers.get('retry-after')) || 1) * 1000);
          continue;
        }
        if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 300)}`);
        return text ? JSON.parse(text) : undefined;
      }
    };
    const until = (id: string, stages: string[]): Promise<any> => untilStage((route) => http('GET', route, tokens.admin), id, stages, 600_000);
    let serial = 0;
    /** One worked example through the APIs, start to completed milestone. */
    const driveHandoff = async (decisionMs: number[]): Promise<string> => {
      const { handoffId: id } = await http('POST', '/handoffs', tokens['u-ana'], withDealId(loadSharedFixture('worked-example'), `c${++serial}`));
      await completeWorkedExample({ http, until, tokenFor }, id, decisionMs);
      return id;
    };

    // The worked example once: the script the bare baseline follows.
    const example = await driveHandoff([]);
    await client.workflow.getHandle(example).result();
    const script: BareOp[] = bareScriptOf(await client.workflow.getHandle(example).fetchHistory());
    const updates = script.flatMap((op) => (op.op === 'update' ? [op.name] : []));
    const driveBare = async (decisionMs: number[]): Promise<string> => {
      const id = `bare-${++serial}`;
      const handle = await client.workflow.start('bareHandoff', {
        workflowId: id,
        taskQueue: 'bench-cluster-bare',
        args: [script],
        typedSearchAttributes: [{ key: searchAttributes.dealId, value: id }],
      });
      for (const name of updates) {
        for (;;) {
          const t = performance.now();
          try {
            await handle.executeUpdate(name);
            if (REVIEW_STEPS.has(name)) decisionMs.push(performance.now() - t);
            break;
          } catch (err) {
            if (!(err instanceof WorkflowUpdateFailedError)) throw err;
            await sleep(POLL_MS); // not waiting for this one yet: as the handoff driver polls
          }
        }
      }
      await handle.result();
      return id;
    };
    await driveBare([]);

    const processes = [
      { name: 'temporal-server', pid: () => cluster.temporal.pid },
      { name: 'postgres (all backends)', pid: () => postmasterPid(cluster.databaseUrl, dataDir), tree: true },
      ...cluster.workers.map((w) => ({ name: w.name, pid: () => w.pid })),
      ...cluster.apis.map((a) => ({ name: a.name, pid: () => a.pid })),
      ...bareWorkers.map((w, i) => ({ name: `bare worker ${i + 1}`, pid: () => w.pid })),
    ];
    /** N at once; the peak RSS of every process sampled each second meanwhile. */
    const wave = async (kind: string, drive: (ms: number[]) => Promise<string>) => {
      const decisionMs: number[] = [];
      const peak = new Map<string, number>();
      const sampler = setInterval(() => {
        for (const p of processes) {
          const pid = p.pid();
          const rss = pid ? (p.tree ? treeRss(pid) : rssOf(pid)) : 0;
          peak.set(p.name, Math.max(peak.get(p.name) ?? 0, rss));
        }
      }, 1000);
      const t = performance.now();
      const outcomes = await Promise.allSettled(Array.from({ length: handoffs }, () => drive(decisionMs)));
      const seconds = (performance.now() - t) / 1000;
      clearInterval(sampler);
      const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      // What failed, by request and status (the first of each kind in full).
      const kinds = new Map<string, { n: number; first: string }>();
      for (const f of failed) {
        const text = String(f.reason);
        const kindOf = /Error: (\w+) \/handoffs[^:]*: (\d+)/.exec(text)?.slice(1).join(' ') ?? text.slice(0, 80);
        const entry = kinds.get(kindOf) ?? { n: 0, first: text.slice(0, 400) };
        entry.n += 1;
        kinds.set(kindOf, entry);
      }
      for (const [k, { n, first }] of kinds) errors.push(`${kind}: ${n}× ${k}; first: ${first}`);
      const sorted = [...decisionMs].sort((a, b) => a - b);
      const result = {
        rate: (handoffs - failed.length) / seconds,
        decisions: decisionMs.length,
        p50: pct(sorted, 0.5),
        p99: pct(sorted, 0.99),
        errors: failed.length,
        peak,
      };
      log(`${handoffs} ${kind} at once: ${result.rate.toFixed(2)} handoffs/s, ${result.decisions} decisions p50 ${result.p50.toFixed(0)} ms p99 ${result.p99.toFixed(0)} ms, ${failed.length} errors, ${seconds.toFixed(0)} s`);
      return result;
    };
    const handoff = await wave('handoffs', driveHandoff);
    const bare = await wave('bare', driveBare);

    const figures: Record<string, number> = {
      'handoffs at once': handoffs,
      'handoffs/s': r(handoff.rate),
      'bare handoffs/s': r(bare.rate),
      'handoffs/s ratio (handoff/bare)': r(handoff.rate / bare.rate),
      'decisions': handoff.decisions,
      'decision p50 ms': r(handoff.p50),
      'decision p99 ms': r(handoff.p99),
      'bare decision p50 ms': r(bare.p50),
      'bare decision p99 ms': r(bare.p99),
      'decision p99 ratio (handoff/bare)': r(handoff.p99 / bare.p99),
      'errors': handoff.errors,
      'bare errors': bare.errors,
      'API 503s retried': retried,
      'load average at start': r(loadAverage),
    };
    for (const [name, bytes] of handoff.peak) if (!name.startsWith('bare')) figures[`peak RSS MiB, ${name}`] = r(bytes / MiB);
    for (const [name, bytes] of bare.peak) if (name.startsWith('bare') || name === 'temporal-server') figures[`peak RSS MiB in bare wave, ${name}`] = r(bytes / MiB);
    for (const e of errors) console.error(`  [cluster] error: ${e}`);
    keepLogs = errors.length > 0;
    return { name: `Cluster (Temporal server on PostgreSQL, 2 workers, 2 APIs): ${handoffs} handoffs at once, and the bare baseline on the same server`, figures };
  } finally {
    await Promise.all(bareWorkers.map((w) => w.stop()));
    await connection.close();
    await pool.end();
    cleanups.delete(stopCluster);
    // The processes' own logs outlive a run that had errors, for a look at what went wrong.
    if (keepLogs) {
      const kept = path.resolve(dataDir, '..', `bench-cluster-logs-${process.pid}`);
      cpSync(path.join(dataDir, 'logs'), kept, { recursive: true });
      console.error(`  [cluster] the workers' and APIs' logs: ${kept}`);
    }
    await stopCluster();
  }
}

function writeTo(file: string, code: string): string {
  writeFileSync(file, code);
  return file;
}

const r = (n: number) => Math.round(n * 100) / 100;

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function rssOf(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  } catch {
    return 0;
  }
}

/** A process and its children (PostgreSQL: the postmaster and one backend per connection). Shared memory counts in each. */
function treeRss(pid: number): number {
  let total = rssOf(pid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === pid) total += rssOf(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The embedded PostgreSQL's postmaster: the first line of postmaster.pid in its data folder. */
function postmasterPid(_databaseUrl: string, dataDir: string): number {
  try {
    return Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return 0;
  }
}
