import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres';
import { freePort } from '../src/dev/free-port';
import { startTemporalDevServer } from '../src/dev/temporal-server';
import { migrate } from '../src/db/migrate';

// Real services, started once for the whole run: embedded Postgres and a Temporal dev server on
// free ports, plus the workflow bundle that every test worker shares. Test files get their
// addresses through the environment.

export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const dataRoot = path.join(root, '.data', `test-${process.pid}`);
  fs.rmSync(dataRoot, { recursive: true, force: true });
  fs.mkdirSync(dataRoot, { recursive: true });
  // Embedded Postgres runs as a separate non-root user when we are root: it must reach this folder.
  fs.chmodSync(dataRoot, 0o755);

  const [postgres, temporal] = await Promise.all([
    onAFreePort((port) => startEmbeddedPostgres({ dataDir: path.join(dataRoot, 'postgres'), port, persistent: false })),
    onAFreePort((port) => startTemporalDevServer({ port, headless: true, logFile: path.join(dataRoot, 'temporal.log') })),
  ]);
  await migrate(postgres.url);

  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: quietLogger });
  const bundlePath = path.join(dataRoot, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env.DATABASE_URL = postgres.url;
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.HANDOFF_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.HANDOFF_TEST_DATA = dataRoot;
  (globalThis as Record<string, unknown>).__handoffServices = { postgres, temporal, dataRoot };
}

/** A port can be taken between being found free and being bound (other test runs): try a fresh one. */
async function onAFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
