import { NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from './src/activities';
import { loadConfig, requireDatabaseUrl, type Config } from './src/config';
import { createPool, type Pool } from './src/db/pool';
import { migrate } from './src/db/migrate';
import { temporalConnectionOptions } from './src/temporal/connection';
import { startTracing, workerTracingOptions, type Tracing } from './src/observability/tracing';
import { workerRuntimeTelemetry } from './src/observability/worker-metrics';

export interface WorkerOptions {
  connection: NativeConnection;
  pool: Pool;
  config: Config;
  /** A pre-built bundle (tests build one per suite); default: bundle src/workflows at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Traces activities and workflows (startTracing); a pre-built bundle needs workflowTracingModules in it. */
  tracing?: Tracing;
}

export async function createWorker({ connection, pool, config, workflowBundle, tracing }: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./src/workflows') }),
    activities: createActivities({ pool, config }),
    // On shutdown (a deploy, Ctrl-C) activities under way finish and report instead of being lost
    // until their timeout.
    shutdownGraceTime: '10 seconds',
    ...workerTracingOptions(tracing, Boolean(workflowBundle)),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Before the first connection creates the default runtime; otherwise the SDK's defaults stand.
  if (config.WORKER_METRICS_ADDRESS) Runtime.install(workerRuntimeTelemetry(config));
  const databaseUrl = requireDatabaseUrl(config);
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl);
  const tracing = startTracing(config, 'handoff-worker');
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  // HANDOFF_WORKFLOW_BUNDLE: a bundle built ahead of time (tests, images) saves seconds of CPU per start.
  const prebuilt = process.env.HANDOFF_WORKFLOW_BUNDLE;
  const worker = await createWorker({ connection, pool, config, workflowBundle: prebuilt ? { codePath: prebuilt } : undefined, tracing });
  // Worker.run resolves after SIGINT/SIGTERM once in-flight tasks are done.
  await worker.run();
  await connection.close();
  await pool.end();
  await tracing?.shutdown();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
