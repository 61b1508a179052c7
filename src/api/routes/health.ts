import type { Client } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { ping } from '../../db/pool';
import { defineRoute } from '../route-table';
import { Health, Readiness } from '../schemas';
import { RETRY_AFTER_S } from '../temporal-errors';

// Liveness and readiness, without a token: load balancers and orchestrators call them.

const READY_TIMEOUT_MS = 2_000;
/** Readiness answers are reused this long, so frequent probes cost Temporal one describe per queue. */
export const WORKER_CHECK_CACHE_MS = 2_000;

interface Check {
  ok: boolean;
  detail?: string;
}

async function check(work: () => Promise<unknown>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    // Only the first line: connection errors can be long, and this answer is public.
    return { ok: false, detail: (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

const { TaskQueueType, TaskQueueKind } = temporal.api.enums.v1;
const millisOf = (ts: google.protobuf.ITimestamp | null | undefined): number =>
  ts?.seconds == null ? 0 : Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);

/**
 * Ready only while a worker polls the task queue, for workflow and for activity tasks: without one,
 * every handoff stalls and every read waits for its deadline. The server remembers a poller's last
 * poll (start or end), and an idle poll lasts up to a minute, so "recent" means within `seenWithinS`.
 */
async function workerPolls(client: Client, namespace: string, taskQueue: string, seenWithinS: number): Promise<Check> {
  const now = Date.now();
  const kinds = [
    ['workflow', TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
    ['activity', TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
  ] as const;
  const missing: string[] = [];
  for (const [name, taskQueueType] of kinds) {
    const { pollers } = await client.withDeadline(now + READY_TIMEOUT_MS, () =>
      client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, taskQueueType }),
    );
    const recent = (pollers ?? []).some((p) => now - millisOf(p.lastAccessTime) <= seenWithinS * 1000);
    if (!recent) missing.push(name);
  }
  return missing.length ? { ok: false, detail: `no worker polled task queue ${taskQueue} for ${missing.join(' or ')} tasks in the last ${seenWithinS} s` } : { ok: true };
}

/** Cached per client and queue (several apps may share a process, as in tests). */
const workerChecks = new WeakMap<Client, Map<string, { at: number; answer: Promise<Check> }>>();
function cachedWorkerCheck(client: Client, namespace: string, taskQueue: string, seenWithinS: number): Promise<Check> {
  let byQueue = workerChecks.get(client);
  if (!byQueue) workerChecks.set(client, (byQueue = new Map()));
  const key = `${namespace}/${taskQueue}/${seenWithinS}`;
  const hit = byQueue.get(key);
  if (hit && Date.now() - hit.at < WORKER_CHECK_CACHE_MS) return hit.answer;
  const answer = check(() => workerPolls(client, namespace, taskQueue, seenWithinS).then((c) => {
    if (!c.ok) throw new Error(c.detail);
  }));
  byQueue.set(key, { at: Date.now(), answer });
  return answer;
}

export const healthz = defineRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'healthz',
  summary: 'Liveness: the process answers',
  tag: 'health',
  auth: 'public',
  who: 'anyone (no token)',
  responses: { 200: { description: 'Alive', schema: Health } },
  handler({ res }) {
    res.json({ ok: true });
  },
});

export const readyz = defineRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'readyz',
  summary: 'Readiness: Temporal and Postgres answer and a worker polls the task queue (503 when not)',
  description: `The worker check is cached for ${WORKER_CHECK_CACHE_MS / 1000} s; a worker counts while it polled within READY_WORKER_SEEN_WITHIN_S.`,
  tag: 'health',
  auth: 'public',
  who: 'anyone (no token)',
  responses: { 200: { description: 'Ready', schema: Readiness }, 503: { description: 'Not ready', schema: Readiness } },
  async handler({ deps, res }) {
    const { client, config } = deps;
    const [temporal, postgres] = await Promise.all([
      check(() => client.withDeadline(Date.now() + READY_TIMEOUT_MS, () => client.workflowService.getSystemInfo({}))),
      check(() => ping(deps.pool)),
    ]);
    // Asking about pollers only makes sense when Temporal answers at all.
    const worker = temporal.ok
      ? await cachedWorkerCheck(client, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE, config.READY_WORKER_SEEN_WITHIN_S)
      : { ok: false, detail: 'Temporal does not answer' };
    const ok = temporal.ok && postgres.ok && worker.ok;
    if (!ok) res.set('retry-after', String(RETRY_AFTER_S));
    res.status(ok ? 200 : 503).json({ ok, checks: { temporal, postgres, worker } });
  },
});
