import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';
import { assertPortFree, freePort } from './free-port';
import { createPool } from '../db/pool';
import { createToken, revokeDemoTokens } from '../db/tokens';
import { demoPrincipals } from './demo-principals';
import { ensureTemporalUiServer, TEMPORAL_SERVER_VERSION } from './temporal-server-build';
import { startSqlTemporalServer, type SqlTemporalServer } from './temporal-sql-server';

// The multi-process topology of a self-hosted deployment, on one machine: PostgreSQL, a Temporal
// server on it, N workers and M API instances, each its own OS process (`node --import tsx …`, no
// wrapper between a signal and the process that does the work). Used by `npm run cluster`, the
// chaos test and `npm run bench -- --cluster`.

const root = path.resolve(__dirname, '..', '..');

export interface ClusterOptions {
  /** Everything the cluster writes: postgres/, temporal/, logs/. Reused by the next start. */
  dataDir: string;
  /** Use this PostgreSQL (Handoff's database; Temporal's two are created beside it) instead of an embedded one. */
  databaseUrl?: string;
  /** Embedded Postgres port (default: a free one). */
  postgresPort?: number;
  /** Temporal frontend port (default: the previous start's, else a free one). */
  temporalPort?: number;
  workers?: number;
  /** One API instance per port; 0 = a free one. */
  apiPorts?: number[];
  namespace?: string;
  /** Temporal's databases, `<name>` and `<name>_visibility`, on the same PostgreSQL server (default temporal). */
  temporalDatabase?: string;
  /** Extra environment for workers and APIs (task queue, SLAs, log level…); undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /** Also run the Temporal Web UI server on this port (0 = a free one); omitted = no UI. */
  uiPort?: number;
  /** Each worker serves the Temporal SDK's metrics (WORKER_METRICS_ADDRESS) on a free port. */
  workerMetrics?: boolean;
  /** A prebuilt workflow bundle for the workers (HANDOFF_WORKFLOW_BUNDLE): saves each start bundling. */
  workflowBundle?: string;
  log?: (line: string) => void;
}

export interface ClusterProcess {
  name: string;
  /** The current process's id (changes on restart). */
  readonly pid: number;
  /** APIs: their base URL. */
  url?: string;
  /** Workers with workerMetrics: their Prometheus endpoint (the SDK's `temporal_*` series). */
  metricsUrl?: string;
  logFile: string;
  alive(): boolean;
  /** Resident set size, bytes (Linux /proc); 0 when not running. */
  rss(): number;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again (after kill or stop) and waits until it is ready. */
  restart(): Promise<void>;
  /** SIGTERM (graceful), then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export interface Cluster {
  databaseUrl: string;
  temporal: SqlTemporalServer;
  workers: ClusterProcess[];
  apis: ClusterProcess[];
  ui?: ClusterProcess;
  /** Stops every part in reverse order of start. */
  stop(): Promise<void>;
}

/**
 * Starts the parts in order; when one fails, the parts already started are stopped and the error
 * (with that part's own last log lines) is thrown.
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
  // Embedded Postgres runs as a separate non-root user when we are root: it must reach this folder.
  fs.chmodSync(dataDir, 0o755);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((err) => log(`stopping: ${String(err)}`));
  };
  try {
    let databaseUrl = opts.databaseUrl;
    let postgres: EmbeddedPostgresHandle | undefined;
    if (!databaseUrl) {
      const port = opts.postgresPort ?? (await freePort());
      log(`starting embedded Postgres on 127.0.0.1:${port} (data ${path.join(dataDir, 'postgres')})…`);
      postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port, stopOnSignals: false });
      stops.push(() => postgres!.stop());
      databaseUrl = postgres.url;
    }
    await runMigrations(databaseUrl);

    log('starting the Temporal server on PostgreSQL…');
    const temporal = await startSqlTemporalServer({ dataDir: path.join(dataDir, 'temporal'), databaseUrl, port: opts.temporalPort, namespace: opts.namespace, databasePrefix: opts.temporalDatabase });
    stops.push(() => temporal.stop());

    let ui: ManagedProcess | undefined;
    if (opts.uiPort !== undefined) {
      const port = opts.uiPort || (await freePort());
      await assertPortFree(port, 'Temporal Web UI');
      ui = startUi(path.join(dataDir, 'ui'), port, temporal);
      stops.push(() => ui!.stop());
      await ui.ready;
    }

    const env: Record<string, string | undefined> = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      ...(ui ? { TEMPORAL_UI_URL: ui.url } : {}),
      ...opts.env,
    };
    const workers: ClusterProcess[] = [];
    for (let i = 1; i <= (opts.workers ?? 2); i++) {
      const metrics = opts.workerMetrics ? `127.0.0.1:${await freePort()}` : undefined;
      const worker = startProcess({
        name: `worker-${i}`,
        script: 'worker.ts',
        env: {
          ...env,
          ...(opts.workflowBundle ? { HANDOFF_WORKFLOW_BUNDLE: opts.workflowBundle } : {}),
          ...(metrics ? { WORKER_METRICS_ADDRESS: metrics } : {}),
        },
        metricsUrl: metrics && `http://${metrics}/metrics`,
        logFile: path.join(dataDir, 'logs', `worker-${i}.log`),
        // The SDK's default logger says when the worker polls.
        readyOutput: /Worker state changed.*RUNNING|state: 'RUNNING'/,
      });
      stops.push(() => worker.stop());
      workers.push(worker);
    }
    const apis: ClusterProcess[] = [];
    for (const [i, wanted] of (opts.apiPorts ?? [0, 0]).entries()) {
      const port = wanted || (await freePort());
      await assertPortFree(port, `Handoff API ${i + 1}`, env.HOST ?? '127.0.0.1');
      const url = `http://${env.HOST ?? '127.0.0.1'}:${port}`;
      const api = startProcess({
        name: `api-${i + 1}`,
        script: 'src/api/server.ts',
        env: { ...env, PORT: String(port) },
        logFile: path.join(dataDir, 'logs', `api-${i + 1}.log`),
        probe: async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true,
        url,
      });
      stops.push(() => api.stop());
      apis.push(api);
    }
    log(`starting ${workers.length} workers and ${apis.length} API instances…`);
    await Promise.all([...workers, ...apis].map((p) => (p as ManagedProcess).ready));
    return { databaseUrl, temporal, workers, apis, ui, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Handoff's migrations, in a process of their own: node-pg-migrate is ESM-only, which a test runner's
 * module sandbox (jest) cannot import in-process. Workers and APIs would apply them too; first is clearer.
 */
function runMigrations(databaseUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'db', 'migrate-cli.ts')], { cwd: root, env: childEnv({ DATABASE_URL: databaseUrl }) }, (err, stdout, stderr) =>
      err ? reject(new Error(`migrations failed: ${(stderr || stdout || err.message).trim().slice(-2000)}`)) : resolve(),
    );
  });
}

/** The Web UI server (its own binary, from the ui-server Go module) pointed at this cluster's frontend. */
function startUi(dir: string, port: number, temporal: SqlTemporalServer): ManagedProcess {
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  const config = {
    temporalGrpcAddress: temporal.address,
    host: '127.0.0.1',
    port,
    enableUi: true,
    defaultNamespace: temporal.namespace,
    refreshInterval: '1m',
    cors: { cookieInsecure: true, allowOrigins: [], unsafeAllowAllOrigins: false },
  };
  fs.writeFileSync(path.join(dir, 'config', 'cluster.yaml'), YAML.stringify(config));
  const url = `http://127.0.0.1:${port}`;
  return startProcess({
    name: 'temporal-ui',
    command: [ensureTemporalUiServer(), '--root', dir, '--config', 'config', '--env', 'cluster', 'start'],
    env: {},
    logFile: path.join(dir, 'ui-server.log'),
    probe: async () => (await fetch(url).catch(() => undefined))?.ok === true,
    url,
  });
}

interface ManagedProcess extends ClusterProcess {
  ready: Promise<void>;
}

interface ProcessSpec {
  name: string;
  /** A TypeScript entry point run as `node --import tsx <script>`… */
  script?: string;
  /** …or a binary with its arguments. */
  command?: string[];
  env: Record<string, string | undefined>;
  logFile: string;
  /** Ready when its output matches this… */
  readyOutput?: RegExp;
  /** …or when this probe answers true (polled). */
  probe?: () => Promise<boolean>;
  url?: string;
  metricsUrl?: string;
}

function startProcess(spec: ProcessSpec): ManagedProcess {
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = (): Promise<void> => {
    const out = fs.openSync(spec.logFile, 'a');
    const [command, ...args] = spec.command ?? [process.execPath, '--import', 'tsx', path.join(root, spec.script!)];
    child = spawn(command, args, {
      cwd: root,
      env: childEnv(spec.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a terminal's Ctrl-C reaches the launcher only, which stops the parts in order.
      detached: true,
    });
    const self = child;
    exited = new Promise((resolve) => self.once('exit', () => resolve()));
    const killOnExit = () => self.kill('SIGKILL');
    process.on('exit', killOnExit);
    void exited.then(() => {
      process.removeListener('exit', killOnExit);
      fs.closeSync(out);
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-16_000);
      fs.writeSync(out, chunk);
    };
    self.stdout!.on('data', onData);
    self.stderr!.on('data', onData);
    return new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 120_000;
      const fail = (why: string) => {
        clearInterval(timer);
        self.kill('SIGKILL');
        reject(new Error(`${spec.name} did not start: ${why}\n--- its output ---\n${output.slice(-4000)}`));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`it exited (${code ?? signal})`);
      self.once('exit', onExit);
      let probing = false;
      const timer = setInterval(async () => {
        if (probing) return;
        probing = true;
        try {
          const ok = spec.readyOutput ? spec.readyOutput.test(output) : await spec.probe!();
          if (ok) {
            clearInterval(timer);
            self.removeListener('exit', onExit);
            resolve();
          } else if (Date.now() > deadline) fail('not ready after 120 s');
        } finally {
          probing = false;
        }
      }, 100);
    });
  };
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const managed: ManagedProcess = {
    name: spec.name,
    get pid() {
      return child.pid!;
    },
    url: spec.url,
    metricsUrl: spec.metricsUrl,
    logFile: spec.logFile,
    ready: launch(),
    alive: () => child.exitCode === null && child.signalCode === null,
    rss: () => {
      try {
        return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024;
      } catch {
        return 0;
      }
    },
    kill: () => signalAndWait('SIGKILL'),
    restart: async () => {
      await signalAndWait('SIGKILL');
      await launch();
    },
    stop: () => signalAndWait('SIGTERM'),
  };
  return managed;
}

/** This process's environment with these set; an undefined value removes the variable. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** `npm run cluster`: the topology on fixed, configurable ports, data under .data/cluster, until Ctrl-C. */
async function main(): Promise<number> {
  const dataDir = path.resolve(process.env.HANDOFF_DATA_DIR ?? path.join(root, '.data'), 'cluster');
  const apiPort = Number(process.env.PORT ?? 3000);
  let signalled: NodeJS.Signals | undefined;
  let onStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (onStop = resolve));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (signalled) return console.error(`(${signal}: already stopping)`);
      signalled = signal;
      console.log(`\n${signal}: stopping…`);
      onStop();
    });
  }
  if (process.env.TEMPORAL_ADDRESS) console.error(`TEMPORAL_ADDRESS is ignored: the cluster runs its own Temporal server`);
  // The UI server is a separate build: make it before the parts start, so no part waits on it.
  ensureTemporalUiServer((line) => console.log(line));
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      dataDir,
      databaseUrl: process.env.DATABASE_URL,
      postgresPort: Number(process.env.EMBEDDED_PG_PORT ?? 54329),
      temporalPort: Number(process.env.TEMPORAL_PORT ?? 7233),
      uiPort: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
      apiPorts: [apiPort, apiPort + 1],
      workers: 2,
      workerMetrics: true,
      log: (line) => console.log(line),
    });
  } catch (err) {
    console.error(`npm run cluster failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  if (!signalled) {
    const tokens = await demoTokens(cluster.databaseUrl);
    const target = `TEMPORAL_ADDRESS=${cluster.temporal.address} TEMPORAL_NAMESPACE=${cluster.temporal.namespace}`;
    console.log([
      '',
      ...cluster.apis.map((api) => `Handoff API     ${api.url}   (${api.name}, pid ${api.pid}; health ${api.url}/healthz)`),
      `Temporal        ${cluster.temporal.address}   (temporal-server ${TEMPORAL_SERVER_VERSION} on PostgreSQL, pid ${cluster.temporal.pid}; namespace ${cluster.temporal.namespace})`,
      `Temporal UI     ${cluster.ui!.url}   (temporal-ui-server, pid ${cluster.ui!.pid})`,
      `Temporal CLI    ${target} npx handoff temporal workflow list --query "HandoffStage='in_review'"`,
      ...cluster.workers.map((w) => `Worker          ${w.name}, pid ${w.pid}; SDK metrics ${w.metricsUrl}`),
      `PostgreSQL      ${redactedUrl(cluster.databaseUrl)}   (Temporal's databases: temporal, temporal_visibility)`,
      `Data and logs   ${dataDir}   (logs/, temporal/temporal-server.log); a second start reuses them`,
      'Demo tokens (new at every start; the previous start\'s no longer work):',
      ...tokens,
      '',
      'Ctrl-C stops everything.',
    ].join('\n'));
    await stopRequested;
  }
  await cluster.stop();
  return 0;
}

async function demoTokens(databaseUrl: string): Promise<string[]> {
  const pool = createPool(databaseUrl);
  try {
    await revokeDemoTokens(pool);
    const lines: string[] = [];
    for (const principal of demoPrincipals) {
      lines.push(`  ${principal.id.padEnd(8)} ${await createToken(pool, principal, { demo: true })}   ${principal.name}: ${principal.roles.join(', ')}`);
    }
    return lines;
  } finally {
    await pool.end();
  }
}

const redactedUrl = (url: string) => {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
};

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`npm run cluster failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
