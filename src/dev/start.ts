import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { startApi } from '../api/server';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createToken } from '../db/tokens';
import { demoPrincipals } from './demo-principals';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startTemporalDevServer } from './temporal-server';

// `npm start`: the whole service on one machine. A Temporal dev server (SQLite file) and an
// embedded Postgres, both kept under .data/, unless TEMPORAL_ADDRESS / DATABASE_URL point elsewhere.

async function main(): Promise<void> {
  // Worker start-up (webpack's bundle report) is noise here; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const root = path.resolve(__dirname, '..', '..');
  const dataDir = path.resolve(process.env.HANDOFF_DATA_DIR ?? path.join(root, '.data'));
  fs.mkdirSync(dataDir, { recursive: true });
  fs.chmodSync(dataDir, 0o755);
  const stops: Array<() => Promise<void>> = [];

  let temporalUi = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
  if (!process.env.TEMPORAL_ADDRESS) {
    const port = Number(process.env.TEMPORAL_PORT ?? 7233);
    const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
    console.log(`starting the Temporal dev server on 127.0.0.1:${port} (UI ${uiPort}, data ${dataDir}/temporal.db)…`);
    const temporal = await startTemporalDevServer({ port, uiPort, dbFile: path.join(dataDir, 'temporal.db'), logFile: path.join(dataDir, 'temporal.log') });
    process.env.TEMPORAL_ADDRESS = temporal.address;
    temporalUi = temporal.uiUrl!;
    process.env.TEMPORAL_UI_URL = temporalUi;
    stops.unshift(() => temporal.stop());
  }
  if (!process.env.DATABASE_URL) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    console.log(`starting embedded Postgres on 127.0.0.1:${port} (data ${dataDir}/postgres)…`);
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port });
    process.env.DATABASE_URL = postgres.url;
    stops.unshift(() => postgres.stop());
  }

  const config = loadConfig();
  await migrate(config.DATABASE_URL!);
  const pool = createPool(config.DATABASE_URL!);
  stops.unshift(() => pool.end());

  const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker({ connection: workerConnection, pool, config });
  const workerRun = worker.run();
  stops.unshift(async () => {
    // The worker also stops by itself on SIGINT/SIGTERM; shutting it down twice is harmless here.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await workerConnection.close();
  });

  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const api = await startApi({ client, pool, config });
  stops.unshift(async () => {
    await api.close();
    await connection.close();
  });

  const tokens: string[] = [];
  for (const principal of demoPrincipals) tokens.push(`  ${principal.id.padEnd(8)} ${await createToken(pool, principal)}   ${principal.name}: ${principal.roles.join(', ')}`);
  console.log(
    [
      '',
      `Handoff API     ${api.url}   (health: ${api.url}/healthz)`,
      `Temporal UI     ${temporalUi}`,
      `Drafting        ${config.ANTHROPIC_API_KEY ? `Claude (${config.ANTHROPIC_MODEL})` : 'rules drafter (set ANTHROPIC_API_KEY for Claude)'}`,
      'Demo tokens (new at every start; stored hashed):',
      ...tokens,
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    for (const fn of stops) await fn().catch((err) => console.error(err));
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await workerRun.catch(async (err) => {
    console.error('worker failed', err);
    await stop();
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
