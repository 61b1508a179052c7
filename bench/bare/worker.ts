import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities';

// The bare baseline's worker, run as its own process by the bench (as the handoff worker is), so
// its memory can be read from outside. Env: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, BARE_WORKFLOW_BUNDLE.

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE!,
    workflowBundle: { codePath: process.env.BARE_WORKFLOW_BUNDLE! },
    activities,
  });
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
