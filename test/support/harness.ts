import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { loadConfig, type Config } from '../../src/config';
import { createPool, type Pool } from '../../src/db/pool';
import { createToken } from '../../src/db/tokens';
import type { Role } from '../../src/domain/review';
import { startApi, type RunningApi } from '../../src/api/server';
import { demoPrincipals } from '../../src/dev/demo-principals';
import { clientTracingInterceptors, type Tracing } from '../../src/observability/tracing';

// A real worker and a real API on the services of test/global-setup.ts, with a task queue of
// its own so test files never pick up each other's workflows.

let runtimeInstalled = false;

export interface Harness {
  config: Config;
  pool: Pool;
  client: Client;
  api: RunningApi;
  /** Bearer tokens by principal id. */
  tokens: Record<string, string>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  request(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export const testPrincipals: Array<{ id: string; name: string; roles: Role[] }> = [
  ...demoPrincipals,
  { id: 'u-dev', name: 'Devi Rao', roles: ['sales'] },
  { id: 'u-outsider', name: 'Olive Outsider', roles: ['reviewer'] },
];

export interface HarnessOptions {
  api?: boolean;
  worker?: boolean;
  /** Traced client and worker (test/observability); the bundle must then hold workflowTracingModules. */
  tracing?: Tracing;
  workflowBundle?: WorkflowBundleOption;
}

export async function startHarness(overrides: Partial<Config> = {}, options: HarnessOptions = {}): Promise<Harness> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const config: Config = {
    ...loadConfig(),
    TEMPORAL_TASK_QUEUE: `handoff-test-${randomUUID()}`,
    PORT: 0,
    LOG_LEVEL: 'silent',
    ANTHROPIC_API_KEY: undefined,
    ...overrides,
  };
  const pool = createPool(config.DATABASE_URL!);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientTracingInterceptors(options.tracing) });
  // Workflow tests drive Temporal directly and need no API.
  const api: RunningApi = options.api === false
    ? { url: 'http://127.0.0.1:9', server: undefined as never, close: async () => undefined }
    : await startApi({ client, pool, config });
  const tokens: Record<string, string> = {};
  for (const principal of testPrincipals) tokens[principal.id] = await createToken(pool, principal);

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let workerConnection: NativeConnection | undefined;

  const harness: Harness = {
    config,
    pool,
    client,
    api,
    tokens,
    async startWorker() {
      workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      worker = await createWorker({
        connection: workerConnection,
        pool,
        config,
        // Tests share the bundle built once in global setup; benchmarks bundle their own.
        workflowBundle: options.workflowBundle ?? (process.env.HANDOFF_TEST_WORKFLOW_BUNDLE ? { codePath: process.env.HANDOFF_TEST_WORKFLOW_BUNDLE } : undefined),
        tracing: options.tracing,
      });
      running = worker.run();
    },
    async stopWorker() {
      if (!worker) return;
      worker.shutdown();
      await running;
      await workerConnection?.close();
      worker = undefined;
    },
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      }
      const response = await fetch(`${api.url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Markdown and other text bodies stay strings.
      }
      return { status: response.status, body: parsed as any, headers: response.headers };
    },
    async close() {
      await harness.stopWorker();
      await api.close();
      await connection.close();
      await pool.end();
    },
  };
  if (options.worker !== false) await harness.startWorker();
  return harness;
}

/** Polls the API until the handoff reaches one of the stages (or the deadline passes). */
export async function waitForStage(h: Harness, handoffId: string, stages: string[], token = h.tokens.admin, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const res = await h.request('GET', `/handoffs/${handoffId}`, { token });
    last = res.body;
    if (res.status === 200 && stages.includes(res.body.stage)) return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`handoff ${handoffId} did not reach ${stages.join('|')}; last state: ${JSON.stringify(last)}`);
}
