import fs from 'node:fs';
import path from 'node:path';
import { migrate } from '../db/migrate';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';
import { freePort } from './free-port';
import { startTemporalDevServer, type DevServer } from './temporal-server';

// Throw-away real services on free ports, for the tests and the benchmarks: an embedded Postgres
// (migrated) and a headless Temporal dev server, with their data in one folder.

export interface LocalServices {
  postgres: EmbeddedPostgresHandle;
  temporal: DevServer;
  dataRoot: string;
  stop(): Promise<void>;
}

export async function startLocalServices(dataRoot: string): Promise<LocalServices> {
  fs.rmSync(dataRoot, { recursive: true, force: true });
  fs.mkdirSync(dataRoot, { recursive: true });
  // Embedded Postgres runs as a separate non-root user when we are root: it must reach this folder.
  fs.chmodSync(dataRoot, 0o755);
  const [postgres, temporal] = await Promise.all([
    onAFreePort((port) => startEmbeddedPostgres({ dataDir: path.join(dataRoot, 'postgres'), port, persistent: false })),
    onAFreePort((port) => startTemporalDevServer({ port, headless: true, logFile: path.join(dataRoot, 'temporal.log') })),
  ]);
  await migrate(postgres.url);
  return {
    postgres,
    temporal,
    dataRoot,
    async stop() {
      await Promise.allSettled([temporal.stop(), postgres.stop()]);
      fs.rmSync(dataRoot, { recursive: true, force: true });
    },
  };
}

/** A port can be taken between being found free and being bound (other runs): try a fresh one. */
async function onAFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}
