import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startLocalServices } from '../src/dev/local-services';

// Real services, started once for the whole run: embedded Postgres and a Temporal dev server on
// free ports, plus the workflow bundle that every test worker shares. Test files get their
// addresses through the environment.

export default async function globalSetup(): Promise<void> {
  const services = await startLocalServices(path.resolve(__dirname, '..', '.data', `test-${process.pid}`));
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: quietLogger });
  const bundlePath = path.join(services.dataRoot, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env.DATABASE_URL = services.postgres.url;
  process.env.TEMPORAL_ADDRESS = services.temporal.address;
  process.env.HANDOFF_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.HANDOFF_TEST_DATA = services.dataRoot;
  (globalThis as Record<string, unknown>).__handoffServices = services;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
