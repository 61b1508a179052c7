import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../../bench/bare/activities';
import { bareScriptOf, eventTypeCounts } from '../../bench/bare/shape';

// The bench's bare-Temporal baseline must cost what a handoff costs in Temporal terms: run from a
// recorded worked-example history, it writes the same events (by type and count) with no work.

const recorded = historyFromJSON(
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'workflows', 'histories', 'signoff-and-milestone.json'), 'utf8')),
);
const workflowTasks = ['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED'];
const without = (counts: Record<string, number>, types: string[]) => Object.fromEntries(Object.entries(counts).filter(([type]) => !types.includes(type)));

test('the script names every update, local activity, activity and timer of the recorded handoff', () => {
  const script = bareScriptOf(recorded);
  const counts = eventTypeCounts(recorded);
  const ops = (op: string) => script.filter((o) => o.op === op).length;
  expect(ops('update')).toBe(counts.WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  expect(ops('activity')).toBe(counts.ACTIVITY_TASK_SCHEDULED);
  expect(ops('timer') + ops('sleep')).toBe(counts.TIMER_STARTED);
  expect(ops('upsert')).toBe(counts.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
  expect(script.filter((o) => o.op === 'update').map((o) => (o as { name: string }).name)).toEqual([
    ...Array(5).fill('decideReviewItem'),
    'signoff',
    'signoff',
    'milestoneStatus',
  ]);
});

test('the bare workflow run from that script writes the same event types, as often', async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const taskQueue = `bare-${randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath: require.resolve('../../bench/bare/workflow'), activities });
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  try {
    const history = await worker.runUntil(async () => {
      const script = bareScriptOf(recorded);
      const handle = await client.workflow.start('bareHandoff', { workflowId: `bare-${randomUUID()}`, taskQueue, args: [script] });
      for (const op of script) {
        if (op.op !== 'update') continue;
        // As in the bench: an update the workflow is not waiting for yet is refused; send it again.
        for (;;) {
          try {
            await handle.executeUpdate(op.name);
            break;
          } catch (err) {
            if (!(err instanceof WorkflowUpdateFailedError)) throw err;
            await sleep(100);
          }
        }
      }
      await handle.result();
      return handle.fetchHistory();
    });
    const bare = eventTypeCounts(history);
    const real = eventTypeCounts(recorded);
    expect(without(bare, workflowTasks)).toEqual(without(real, workflowTasks));
    // Workflow tasks follow timing (an update landing with an activity's completion shares its task).
    expect(bare.WORKFLOW_TASK_COMPLETED).toBeLessThanOrEqual(real.WORKFLOW_TASK_COMPLETED + 1);
    expect(bare.WORKFLOW_TASK_COMPLETED).toBeGreaterThanOrEqual(real.WORKFLOW_TASK_COMPLETED - 2);
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
});
