import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { loadConfig, requireDatabaseUrl, type Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool, type Pool } from '../db/pool';
import { temporalConnectionOptions } from '../temporal/connection';
import { clientTracingInterceptors, startTracing } from '../observability/tracing';
import { createApp } from './app';

export interface RunningApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Listens on config.HOST:PORT (0 = any free port) with an app on the given client and pool. */
export async function startApi(deps: { client: Client; pool: Pool; config: Config }): Promise<RunningApi> {
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(deps.config.PORT, deps.config.HOST, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${deps.config.HOST}:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const databaseUrl = requireDatabaseUrl(config);
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl);
  const tracing = startTracing(config, 'handoff-api');
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientTracingInterceptors(tracing) });
  const api = await startApi({ client, pool, config });
  const log = pino({ level: config.LOG_LEVEL });
  log.info({ url: api.url }, 'handoff API listening');
  const stop = async () => {
    await api.close();
    await connection.close();
    await pool.end();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
