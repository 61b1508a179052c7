import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import pLimit from 'p-limit';
import { startWorkflow } from '../src/api/routes/handoffs';
import { loadConfig } from '../src/config';
import { storeBundle } from '../src/db/bundles';
import { loadPacket } from '../src/db/packets';
import { createPool } from '../src/db/pool';
import { createToken } from '../src/db/tokens';
import { handoffIdForRun, IntakeBundle } from '../src/domain/intake';
import { redactBundle } from '../src/domain/redact';
import type { Actor } from '../src/domain/review';
import { demoPrincipals } from '../src/dev/demo-principals';
import { freePort } from '../src/dev/free-port';
import { startLocalServices } from '../src/dev/local-services';
import { answerQuestionUpdate, decideReviewItemUpdate, milestoneStatusUpdate, searchAttributes, signoffUpdate } from '../src/workflows/definitions';
import { loadSharedFixture, withDealId } from '../test/support/fixtures';
import { bareScriptOf, eventTypeCounts, type BareOp } from './bare/shape';
import { untilStage } from './long-poll';
import { completeWorkedExample, OWNER_ANSWER, type ReviewActions } from './worked-example';
import { cleanups, cpuBetween, descendantsCpuMs, startChild, type Child } from './processes';

// Handoff against the bare-Temporal limit on this machine. The baseline is a no-op workflow that
// issues the same commands as the worked example's handoff history (bench/bare), on the same dev
// server. Rounds interleave bare and handoff runs so that a busy moment of the machine hits both;
// each figure is the median over rounds. The handoff is driven through its HTTP API as people use
// it (start, poll, decisions, signoffs, milestone), the baseline through the Temporal client. The
// handoff is also driven through the Temporal client as the baseline is (start and updates, no API),
// which tells the API's cost from the workflow's. CPU per handoff counts every process the bench
// started (workers, API, Temporal server, Postgres) over each run, from /proc.

export interface BaselineOptions {
  quick: boolean;
}

export interface Row {
  figure: string;
  bare: number;
  /** The handoff driven through its API. */
  handoff: number;
  /** handoff / bare */
  ratio: number;
  /** The handoff driven through the Temporal client (no API), and its ratio to bare. */
  client?: number;
  clientRatio?: number;
  /** The target, for the handoff through its API. */
  target: string;
  met?: boolean;
}

export interface BaselineResult {
  name: string;
  rows: Row[];
  notes: string[];
}

const POLL_MS = 100;
/** Review's steps, timed as decisions: an item decided or a blocking question answered. */
const REVIEW_STEPS = new Set([decideReviewItemUpdate.name, answerQuestionUpdate.name]);
const MiB = 2 ** 20;

export async function benchBaseline({ quick }: BaselineOptions): Promise<BaselineResult> {
  const rounds = quick ? 1 : 3;
  const concurrencies = quick ? [5, 10] : [10, 50];
  const openForMemory = quick ? 100 : 1000;
  const notes: string[] = [];
  const log = (line: string) => console.error(`  [baseline] ${line}`);
  // Other work on the machine moves every figure: say what it was doing when the run began.
  notes.push(`${os.cpus().length} cores, Node ${process.version}, Temporal dev server; load average at start ${os.loadavg()[0].toFixed(2)}`);

  const services = await startLocalServices(path.resolve(__dirname, '..', '.data', `bench-${process.pid}`));
  cleanups.add(services.stop);
  const pool = createPool(services.postgres.url);
  const connection = await Connection.connect({ address: services.temporal.address });
  const client = new Client({ connection });
  const children: Child[] = [];
  try {
    const tokens: Record<string, string> = {};
    for (const p of demoPrincipals) tokens[p.id] = await createToken(pool, p);
    const tokenFor = async (id: string) => (tokens[id] ??= await createToken(pool, { id, name: id, roles: ['reviewer'] }));

    // Bundles: the size is a figure, and workers load them prebuilt instead of bundling at start.
    const logger = new DefaultLogger('WARN');
    const [handoffCode, bareCode] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger }),
      bundleWorkflowCode({ workflowsPath: require.resolve('./bare/workflow'), logger }),
    ]);
    const handoffBundle = path.join(services.dataRoot, 'handoff-bundle.js');
    const bareBundle = path.join(services.dataRoot, 'bare-bundle.js');
    writeFileSync(handoffBundle, handoffCode.code);
    writeFileSync(bareBundle, bareCode.code);

    const env = { DATABASE_URL: services.postgres.url, TEMPORAL_ADDRESS: services.temporal.address, ANTHROPIC_API_KEY: undefined, LOG_LEVEL: 'warn' };
    let queues = 0;
    const startWorkers = () => {
      const handoffQueue = `bench-handoff-${++queues}`;
      const bareQueue = `bench-bare-${queues}`;
      const handoff = startChild('handoff worker', 'worker.ts', { ...env, TEMPORAL_TASK_QUEUE: handoffQueue, HANDOFF_WORKFLOW_BUNDLE: handoffBundle });
      const bare = startChild('bare worker', 'bench/bare/worker.ts', { ...env, TEMPORAL_TASK_QUEUE: bareQueue, BARE_WORKFLOW_BUNDLE: bareBundle });
      children.push(handoff, bare);
      return { handoff, bare, handoffQueue, bareQueue };
    };
    let workers = startWorkers();
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    // The API starts workflows on the handoff worker's queue (a fresh one each time the workers restart).
    const startApiProcess = () => {
      const child = startChild('API', 'src/api/server.ts', { ...env, PORT: String(port), TEMPORAL_TASK_QUEUE: workers.handoffQueue });
      children.push(child);
      return child;
    };
    startApiProcess();
    await waitUntil(async () => (await fetch(`${api}/healthz`).catch(() => undefined))?.ok === true, 60_000, 'the API to answer');

    let serial = 0;
    let retried = 0;
    /** One call as a client would make it: a 503 is tried again after its Retry-After (actions carry a requestId). */
    const http = async (method: string, route: string, token: string, body?: unknown): Promise<any> => {
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(`${api}${route}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (res.status === 503 && attempt < 5) {
          retried++;
          await sleep(Math.min(5, Number(res.headers.get('retry-after')) || 1) * 1000);
          continue;
        }
        if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 300)}`);
        return text ? JSON.parse(text) : undefined;
      }
    };
    const until = (id: string, stages: string[]): Promise<any> => untilStage((route) => http('GET', route, tokens.admin), id, stages, 180_000);
    /** The worked example's review items and blocking questions as the first run showed them: the client drive sends the same. */
    let exampleActions: ReviewActions | undefined;
    const startViaApi = async (): Promise<string> =>
      (await http('POST', '/handoffs', tokens['u-ana'], withDealId(loadSharedFixture('worked-example'), `b${++serial}`))).handoffId;

    /** One worked example through the API, start to completed milestone. */
    const driveHandoff = async (decisionMs: number[]): Promise<string> => {
      const id = await startViaApi();
      const decided = await completeWorkedExample({ http, until, tokenFor }, id, decisionMs);
      exampleActions ??= decided;
      return id;
    };

    // The worked example once: its history is a figure and the script the baseline follows.
    const example = await driveHandoff([]);
    // The read model may say completed while the workflow settles its last bookkeeping.
    await client.workflow.getHandle(example).result();
    const handoffHistory = await client.workflow.getHandle(example).fetchHistory();
    // BENCH_HISTORY=<file> keeps the worked example's history (proto JSON) for a closer look.
    if (process.env.BENCH_HISTORY) writeFileSync(process.env.BENCH_HISTORY, JSON.stringify(temporal.api.history.v1.History.toObject(handoffHistory as temporal.api.history.v1.History, { longs: String, enums: String, bytes: String })));
    const closing = handoffHistory.events?.at(-1);
    if (!closing?.workflowExecutionCompletedEventAttributes) {
      throw new Error(`the worked example did not complete: ${JSON.stringify(closing?.workflowExecutionFailedEventAttributes?.failure ?? closing).slice(0, 1500)}`);
    }
    const script: BareOp[] = bareScriptOf(handoffHistory);
    const updates = script.flatMap((op) => (op.op === 'update' ? [op.name] : []));

    const startBare = (queue: string) => {
      const id = `bare-${++serial}`;
      return client.workflow.start('bareHandoff', {
        workflowId: id,
        taskQueue: queue,
        args: [script],
        typedSearchAttributes: [{ key: searchAttributes.dealId, value: id }],
      });
    };
    /** The same path through the Temporal client: each update sent when the workflow takes it. */
    const driveBare = async (decisionMs: number[]): Promise<string> => {
      const handle = await startBare(workers.bareQueue);
      for (const name of updates) {
        for (;;) {
          const t = performance.now();
          try {
            await handle.executeUpdate(name);
            if (REVIEW_STEPS.has(name)) decisionMs.push(performance.now() - t);
            break;
          } catch (err) {
            if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`bare ${handle.workflowId}: ${await taskFailure(handle)}`, { cause: err });
            await sleep(POLL_MS);
          }
        }
      }
      await handle.result();
      return handle.workflowId;
    };

    // The same handoff through the Temporal client: start as the API does (bundle stored redacted),
    // then each update sent when the workflow takes it, as the baseline's are; no state is read but
    // the signed packet's hash (one Postgres read).
    const config = loadConfig({ ...process.env, DATABASE_URL: services.postgres.url, TEMPORAL_ADDRESS: services.temporal.address });
    const actorOf = (id: string): Actor => ({ id, roles: demoPrincipals.find((p) => p.id === id)?.roles ?? ['reviewer'] });
    const { items, questions } = exampleActions ?? { items: [], questions: [] };
    const sendWhenTaken = async <Arg>(handle: ReturnType<typeof client.workflow.getHandle>, update: { name: string }, arg: Arg & { requestId: string }, decisionMs?: number[]) => {
      for (let attempt = 1; ; attempt++) {
        const t = performance.now();
        try {
          // A fresh update id per attempt: a refused update is not kept, but a reused id may be answered from the first.
          await handle.executeUpdate(update.name, { args: [arg], updateId: `${arg.requestId}#${attempt}` });
          decisionMs?.push(performance.now() - t);
          return;
        } catch (err) {
          if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`client-driven ${handle.workflowId}: ${await taskFailure(handle)}`, { cause: err });
          await sleep(POLL_MS);
        }
      }
    };
    const driveClient = async (decisionMs: number[]): Promise<string> => {
      const { bundle } = redactBundle(IntakeBundle.parse(withDealId(loadSharedFixture('worked-example'), `c${++serial}`)));
      const id = handoffIdForRun(bundle.dealId, 1);
      await startWorkflow({ client, config: { ...config, TEMPORAL_TASK_QUEUE: workers.handoffQueue } }, id, bundle, await storeBundle(pool, bundle));
      const handle = client.workflow.getHandle(id);
      for (const item of items) {
        const arg = { itemId: item.id, decision: 'rejected' as const, comment: 'not in the contract; reset at kickoff', packetVersion: 1, requestId: `${item.routeTo}:${id}-${item.id}`, actor: actorOf(item.routeTo) };
        await sendWhenTaken(handle, decideReviewItemUpdate, arg, decisionMs);
      }
      for (const q of questions) {
        await sendWhenTaken(handle, answerQuestionUpdate, { questionId: q.id, answer: OWNER_ANSWER, requestId: `${q.askedOf}:${id}-${q.id}`, actor: actorOf(q.askedOf) }, decisionMs);
      }
      const packet = await loadPacket(pool, id);
      if (!packet) throw new Error(`client-driven ${id}: no packet after its review`);
      for (const [who, role] of [['u-ben', 'sales'], ['u-chen', 'implementation']] as const) {
        await sendWhenTaken(handle, signoffUpdate, { role, packetVersion: packet.version, packetHash: packet.hash, requestId: `${who}:${id}-${role}`, actor: actorOf(who) });
      }
      await sendWhenTaken(handle, milestoneStatusUpdate, { status: 'met' as const, requestId: `u-chen:${id}-milestone`, actor: actorOf('u-chen') });
      await handle.result();
      return id;
    };
    if (items.length === 0) throw new Error('the worked example showed no review items to decide');

    const bareExample = await driveBare([]);
    const bareHistory = await client.workflow.getHandle(bareExample).fetchHistory();
    const shape = compareShapes(eventTypeCounts(handoffHistory), eventTypeCounts(bareHistory));
    notes.push(`bare shape: ${shape}`);
    log(`worked example: ${handoffHistory.events?.length} events, bare ${bareHistory.events?.length} (${shape})`);

    await driveClient([]);

    // Interleaved rounds: bare, handoff via the API, handoff via the client, bare… at each concurrency.
    const throughput: Record<string, number[]> = {};
    const p99: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    /** CPU ms per handoff by part, last round at the highest concurrency. */
    const cpuParts: Record<string, Record<string, number>> = {};
    const record = (key: string, rate: number, decisionMs: number[], cpuMs: number) => {
      (throughput[key] ??= []).push(rate);
      (p99[key] ??= []).push(percentile(decisionMs, 0.99));
      (cpu[key] ??= []).push(cpuMs);
    };
    for (let round = 1; round <= rounds; round++) {
      for (const c of concurrencies) {
        for (const [kind, drive] of [['bare', driveBare], ['handoff', driveHandoff], ['client', driveClient]] as const) {
          const decisionMs: number[] = [];
          const cpuBefore = descendantsCpuMs();
          const t = performance.now();
          await Promise.all(Array.from({ length: c }, () => drive(decisionMs)));
          const rate = c / ((performance.now() - t) / 1000);
          const parts = cpuBetween(cpuBefore, descendantsCpuMs());
          const cpuMs = Object.values(parts).reduce((a, b) => a + b, 0) / c;
          if (c === concurrencies.at(-1)) cpuParts[kind] = Object.fromEntries(Object.entries(parts).map(([part, ms]) => [part, ms / c]));
          record(`${kind}@${c}`, rate, decisionMs, cpuMs);
          log(`round ${round}, ${c} at once, ${kind}: ${rate.toFixed(2)} handoffs/s, decision p99 ${percentile(decisionMs, 0.99).toFixed(0)} ms, CPU ${cpuMs.toFixed(0)} ms/handoff`);
        }
      }
    }

    // Memory: fresh workers, one run each to warm up, then N open at review; RSS delta / N.
    await Promise.all(children.splice(0).map((child) => child.stop()));
    workers = startWorkers();
    startApiProcess();
    await waitUntil(async () => (await fetch(`${api}/healthz`).catch(() => undefined))?.ok === true, 60_000, 'the API to answer');
    await Promise.all([driveBare([]), driveHandoff([])]);
    const limit = pLimit(50);
    const openAtReview = async (kind: string, queue: string, worker: Child, start: () => Promise<unknown>): Promise<number> => {
      await sleep(1000);
      const before = worker.rss();
      await Promise.all(Array.from({ length: openForMemory }, () => limit(start)));
      const query = `TaskQueue = "${queue}" AND HandoffStage = "in_review" AND ExecutionStatus = "Running"`;
      await waitUntil(async () => (await client.workflow.count(query)).count >= openForMemory, 300_000, `${openForMemory} ${kind} workflows in review`);
      await sleep(2000);
      const perOpen = (worker.rss() - before) / openForMemory / MiB;
      log(`${openForMemory} open ${kind}: ${perOpen.toFixed(3)} MiB each`);
      return perOpen;
    };
    const bareMemory = await openAtReview('bare', workers.bareQueue, workers.bare, () => startBare(workers.bareQueue));
    const handoffMemory = await openAtReview('handoff', workers.handoffQueue, workers.handoff, startViaApi);

    const history = (h: typeof handoffHistory) => ({ events: h.events?.length ?? 0, bytes: temporal.api.history.v1.History.encode(h).finish().length });
    const hh = history(handoffHistory);
    const bh = history(bareHistory);
    const rows: Row[] = [];
    const of = (figures: Record<string, number[]>, kind: string, c: number) => median(figures[`${kind}@${c}`]);
    for (const c of concurrencies) {
      rows.push(row(`handoffs/s, ${c} at once`, of(throughput, 'bare', c), of(throughput, 'handoff', c), '≥ 0.8× bare', (r) => r.ratio >= 0.8, of(throughput, 'client', c)));
    }
    for (const c of concurrencies) {
      rows.push(row(`decision p99 ms, ${c} at once`, of(p99, 'bare', c), of(p99, 'handoff', c), '≤ 1.3× bare', (r) => r.ratio <= 1.3, of(p99, 'client', c)));
    }
    for (const c of concurrencies) {
      rows.push(row(`CPU ms per handoff, all processes, ${c} at once`, of(cpu, 'bare', c), of(cpu, 'handoff', c), '', () => undefined, of(cpu, 'client', c)));
    }
    rows.push(row(`worker MiB per open handoff (${openForMemory} in review)`, bareMemory, handoffMemory, '≤ 0.5 MiB', (r) => r.handoff <= 0.5));
    rows.push(row('history events, worked example', bh.events, hh.events, '≤ 100', (r) => r.handoff <= 100));
    rows.push(row('history KiB (proto), worked example', bh.bytes / 1024, hh.bytes / 1024, '≤ 32 KiB', (r) => r.handoff <= 32));
    rows.push(row('workflow bundle MiB', bareCode.code.length / MiB, handoffCode.code.length / MiB, '', () => undefined));
    notes.push(`API answers 503 (tried again after Retry-After): ${retried}`);
    const describeParts = (parts: Record<string, number> = {}) =>
      Object.entries(parts)
        .filter(([, ms]) => ms >= 1)
        .sort((a, b) => b[1] - a[1])
        .map(([part, ms]) => `${part} ${ms.toFixed(0)}`)
        .join(', ');
    const top = concurrencies.at(-1);
    notes.push(`CPU ms per handoff by process, ${top} at once (last round): bare: ${describeParts(cpuParts.bare)}; via API: ${describeParts(cpuParts.handoff)}; via client: ${describeParts(cpuParts.client)}`);
    notes.push(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min)`);
    notes.push(`medians of ${rounds} interleaved round${rounds === 1 ? '' : 's'}; the handoff through its API (separate API and worker processes) and through the Temporal client, bare through the Temporal client; one dev server and Postgres`);
    return { name: 'Handoff against bare Temporal (same event shape, same dev server)', rows, notes };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await connection.close();
    await pool.end();
    cleanups.delete(services.stop);
    await services.stop();
  }
}

function row(figure: string, bare: number, handoff: number, target: string, met: (r: Row) => boolean | undefined, client?: number): Row {
  const r: Row = { figure, bare: round(bare), handoff: round(handoff), ratio: round(handoff / bare), target };
  if (client !== undefined) Object.assign(r, { client: round(client), clientRatio: round(client / bare) });
  r.met = met({ ...r, ratio: handoff / bare, handoff });
  return r;
}

/** "same event-type counts", or which counts differ (workflow tasks may differ by timing). */
export function compareShapes(handoff: Record<string, number>, bare: Record<string, number>): string {
  const differ = [...new Set([...Object.keys(handoff), ...Object.keys(bare)])]
    .filter((type) => handoff[type] !== bare[type])
    .map((type) => `${type} ${handoff[type] ?? 0} vs ${bare[type] ?? 0}`);
  return differ.length === 0 ? 'same event-type counts as the handoff' : `differs from the handoff: ${differ.join(', ')}`;
}

/** Why the last workflow task failed, from its history (the worker's own log is not shown). */
async function taskFailure(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }): Promise<string> {
  const events = (await handle.fetchHistory()).events ?? [];
  const failed = events.filter((e) => e.workflowTaskFailedEventAttributes).at(-1);
  return failed?.workflowTaskFailedEventAttributes?.failure?.message ?? 'no workflow task failed';
}

async function waitUntil(ready: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function median(values: number[] = []): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
