import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { startApi } from '../api/server';
import { shellQuote } from '../cli/temporal';
import { loadConfig, type Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { temporalConnectionOptions } from '../temporal/connection';
import { clientTracingInterceptors, startTracing } from '../observability/tracing';
import { workerRuntimeTelemetry } from '../observability/worker-metrics';
import { createLoginLink } from '../db/sessions';
import { createToken, revokeDemoTokens } from '../db/tokens';
import { loginLinkUrl } from '../cli/login-link';
import { demoPrincipals } from './demo-principals';
import { buildWebIfStale } from './web-build';
import { startEmbeddedPostgres } from './embedded-postgres';
import { assertPortFree } from './free-port';
import { findTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-server';

// `npm start`: the whole service on one machine. A Temporal dev server (SQLite file) and an
// embedded Postgres, both kept under .data/, unless TEMPORAL_ADDRESS / DATABASE_URL point elsewhere.
// Parts start in order; when one fails, or on Ctrl-C / SIGTERM, every part already started is
// stopped in reverse order, so no server is left holding its port.

interface Part {
  name: string;
  stop(): Promise<void>;
}

class Interrupted extends Error {}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function main(): Promise<number> {
  // Worker start-up (webpack's bundle report) is noise here; warnings and errors still show. The
  // launcher stops the worker itself, in order with the rest, so the runtime watches no signal.
  // WORKER_METRICS_ADDRESS: the SDK's worker metrics for Prometheus (one runtime per process, so here).
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [], ...workerRuntimeTelemetry(loadConfig()) });
  const started: Part[] = [];
  let signalled: NodeJS.Signals | undefined;
  let onStopRequest: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (onStopRequest = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return console.error(`(${signal}: already stopping)`);
    signalled = signal;
    console.log(`\n${signal}: stopping…`);
    onStopRequest();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  /** Starts one part and records how to stop it; gives up between parts once a stop was asked for. */
  const start = async <T>(name: string, run: () => Promise<T>, stop: (value: T) => Promise<void>): Promise<T> => {
    if (signalled) throw new Interrupted();
    const value = await run();
    started.push({ name, stop: () => stop(value) });
    if (signalled) throw new Interrupted();
    return value;
  };
  const stopAll = async () => {
    for (const part of started.splice(0).reverse()) {
      try {
        await part.stop();
      } catch (err) {
        console.error(`stopping ${part.name}: ${message(err)}`);
      }
    }
  };

  let banner: string;
  let workerRun: Promise<void>;
  try {
    ({ banner, workerRun } = await startEverything(start));
  } catch (err) {
    if (!(err instanceof Interrupted)) console.error(`npm start failed: ${message(err)}`);
    await stopAll();
    return err instanceof Interrupted ? 0 : 1;
  }
  console.log(banner);

  const workerFailure = await Promise.race([
    stopRequested.then(() => undefined),
    workerRun.then(
      () => (signalled ? undefined : new Error('the worker stopped')),
      (err: unknown) => err,
    ),
  ]);
  if (workerFailure) console.error(`worker failed: ${message(workerFailure)}; stopping…`);
  await stopAll();
  return workerFailure ? 1 : 0;
}

type Start = <T>(name: string, run: () => Promise<T>, stop: (value: T) => Promise<void>) => Promise<T>;

async function startEverything(start: Start): Promise<{ banner: string; workerRun: Promise<void> }> {
  const root = path.resolve(__dirname, '..', '..');
  const dataDir = path.resolve(process.env.HANDOFF_DATA_DIR ?? path.join(root, '.data'));
  fs.mkdirSync(dataDir, { recursive: true });
  // A failed build leaves the API running: `/` then says how to build the app.
  try {
    buildWebIfStale(root);
  } catch (err) {
    console.error(`the web app was not rebuilt: ${message(err)}`);
  }

  let temporalUi = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
  if (!process.env.TEMPORAL_ADDRESS) {
    const port = Number(process.env.TEMPORAL_PORT ?? 7233);
    const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
    console.log(`starting the Temporal dev server on 127.0.0.1:${port} (UI ${uiPort}, data ${dataDir}/temporal.db)…`);
    const temporal = await start(
      'the Temporal dev server',
      () => startTemporalDevServer({ port, uiPort, dbFile: path.join(dataDir, 'temporal.db'), logFile: path.join(dataDir, 'temporal.log') }),
      (t) => t.stop(),
    );
    process.env.TEMPORAL_ADDRESS = temporal.address;
    temporalUi = temporal.uiUrl!;
    process.env.TEMPORAL_UI_URL = temporalUi;
  }
  if (!process.env.DATABASE_URL) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    console.log(`starting embedded Postgres on 127.0.0.1:${port} (data ${dataDir}/postgres)…`);
    const postgres = await start(
      'embedded Postgres',
      () => startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port, stopOnSignals: false }),
      (pg) => pg.stop(),
    );
    process.env.DATABASE_URL = postgres.url;
  }

  const config = loadConfig();
  await migrate(config.DATABASE_URL!);
  const pool = await start('the database pool', async () => createPool(config.DATABASE_URL!), (p) => p.end());
  // One process, one tracer provider for the worker and the API (when OTEL_EXPORTER_OTLP_ENDPOINT is set).
  const tracing = await start('tracing', async () => startTracing(config, 'handoff'), async (t) => t?.shutdown());

  const { workerRun } = await start(
    'the worker',
    async () => {
      const connection = await NativeConnection.connect(temporalConnectionOptions(config));
      try {
        const worker = await createWorker({ connection, pool, config, tracing });
        return { connection, worker, workerRun: worker.run() };
      } catch (err) {
        await connection.close();
        throw err;
      }
    },
    async ({ connection, worker, workerRun }) => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun.catch(() => undefined);
      await connection.close();
    },
  );

  if (config.PORT !== 0) await assertPortFree(config.PORT, 'Handoff API (PORT)', config.HOST);
  const api = await start(
    'the API',
    async () => {
      const connection = await Connection.connect(temporalConnectionOptions(config));
      const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientTracingInterceptors(tracing) });
      return { connection, server: await startApi({ client, pool, config }) };
    },
    async ({ connection, server }) => {
      await server.close();
      await connection.close();
    },
  );

  // Demo tokens live for one start: the previous start's stop working now.
  await revokeDemoTokens(pool);
  const tokens: string[] = [];
  for (const principal of demoPrincipals) {
    tokens.push(`  ${principal.id.padEnd(8)} ${await createToken(pool, principal, { demo: true })}   ${principal.name}: ${principal.roles.join(', ')}`);
  }
  // One-time sign-in links for the web app, one per demo person (createToken made the principals).
  const appUrl = (config.PUBLIC_API_URL ?? api.server.url).replace(/\/+$/, '');
  const links: string[] = [];
  for (const principal of demoPrincipals) {
    const link = await createLoginLink(pool, principal.id, config.LOGIN_LINK_TTL_S);
    if (link) links.push(`  ${principal.id.padEnd(8)} ${loginLinkUrl(appUrl, link.token)}`);
  }

  const banner = [
    '',
    `Web app         ${appUrl}/`,
    `Handoff API     ${api.server.url}   (health: ${api.server.url}/healthz)`,
    `Temporal UI     ${temporalUi}`,
    ...temporalCliLines(config),
    `Drafting        ${config.ANTHROPIC_API_KEY ? `Claude (${config.ANTHROPIC_MODEL})` : 'rules drafter (set ANTHROPIC_API_KEY for Claude)'}`,
    ...(config.WORKER_METRICS_ADDRESS ? [`Worker metrics  http://${config.WORKER_METRICS_ADDRESS}/metrics`] : []),
    ...(config.OTEL_EXPORTER_OTLP_ENDPOINT ? [`Traces          OTLP to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}`] : []),
    'Demo tokens (new at every start; the previous start\'s no longer work; stored hashed):',
    ...tokens,
    `Sign-in links for the web app (each works once, for ${Math.round(config.LOGIN_LINK_TTL_S / 60)} min; more: npx handoff login-link --principal <id>):`,
    ...links,
    '',
    'Ctrl-C stops everything.',
  ].join('\n');
  return { banner, workerRun };
}

/** The exact commands that list handoffs in review from a shell, for the Temporal in use. */
function temporalCliLines(config: Config): string[] {
  const query = ['workflow', 'list', '--query', "HandoffStage='in_review'"];
  const defaults = loadConfig({});
  const env = [
    config.TEMPORAL_ADDRESS !== defaults.TEMPORAL_ADDRESS ? `TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS}` : '',
    config.TEMPORAL_NAMESPACE !== defaults.TEMPORAL_NAMESPACE ? `TEMPORAL_NAMESPACE=${config.TEMPORAL_NAMESPACE}` : '',
  ].filter(Boolean);
  const lines = [`Temporal CLI    ${[...env, 'npx', 'handoff', 'temporal', ...query].map(shellQuote).join(' ')}`];
  let cli: string | undefined;
  try {
    cli = findTemporalCli();
  } catch {
    cli = undefined;
  }
  if (cli) {
    const direct = [cli, ...query.slice(0, 2), '--address', config.TEMPORAL_ADDRESS, '--namespace', config.TEMPORAL_NAMESPACE, ...query.slice(2)];
    lines.push(`       or       ${direct.map(shellQuote).join(' ')}`);
  }
  return lines;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`npm start failed: ${message(err)}`);
    process.exit(1);
  },
);
