import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Actor } from '../../src/domain/review';
import { decideReviewItemUpdate, milestoneStatusUpdate, signoffUpdate } from '../../src/workflows/definitions';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { inStage, startHandoff, waitForState } from '../support/start-handoff';

// The worker is a real process here, killed with SIGKILL mid-review and started again: the
// handoff resumes where it was, with nothing lost or done twice.

const root = path.resolve(__dirname, '..', '..');
let h: Harness;
let worker: ChildProcess | undefined;

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'worker.ts')], {
    env: { ...process.env, TEMPORAL_TASK_QUEUE: h.config.TEMPORAL_TASK_QUEUE, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  // The worker is ready when its workflow bundle is built and it polls; Temporal's log says so.
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${output}`)), 60_000);
    const check = () => {
      if (/Worker state changed.*RUNNING|state: 'RUNNING'/.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${output}`)));
  });
}

beforeAll(async () => {
  h = await startHarness({}, { api: false, worker: false });
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  await h?.close();
});

test('a worker killed mid-review loses nothing and repeats nothing', async () => {
  worker = await startWorkerProcess();
  const { handoffId, handle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), 'crash'));
  const review = await waitForState(h, handoffId, inStage('in_review'));
  const [first, ...rest] = review.reviewItems;
  const chen: Actor = { id: 'u-chen', roles: ['implementation', 'reviewer'] };
  await handle.executeUpdate(decideReviewItemUpdate, { args: [{ itemId: first.id, decision: 'approved', packetVersion: 1, requestId: `${handoffId}-${first.id}`, actor: chen }] });

  worker.kill('SIGKILL');
  await new Promise((r) => worker!.once('exit', r));
  worker = await startWorkerProcess();

  const resumed = await waitForState(h, handoffId, () => true);
  expect(resumed.stage).toBe('in_review');
  expect(resumed.reviewItems.find((i) => i.id === first.id)?.decision?.decision).toBe('approved');

  for (const item of rest) {
    await handle.executeUpdate(decideReviewItemUpdate, { args: [{ itemId: item.id, decision: 'rejected', packetVersion: 1, requestId: `${handoffId}-${item.id}`, actor: chen }] });
  }
  const awaiting = await waitForState(h, handoffId, inStage('awaiting_signoff'));
  for (const [role, id] of [['sales', 'u-ben'], ['implementation', 'u-chen']] as const) {
    await handle.executeUpdate(signoffUpdate, {
      args: [{ role, packetVersion: 1, packetHash: awaiting.packet!.hash, requestId: `${handoffId}-sign-${role}`, actor: { id, roles: [role] } }],
    });
  }
  await waitForState(h, handoffId, inStage('first_milestone'));
  await handle.executeUpdate(milestoneStatusUpdate, { args: [{ status: 'met', requestId: `${handoffId}-m`, actor: chen }] });
  expect((await handle.result()).stage).toBe('completed');

  const decisions = await h.pool.query('SELECT item_id, count(*)::int AS n FROM review_decisions WHERE handoff_id = $1 GROUP BY item_id', [handoffId]);
  expect(decisions.rows.every((r) => r.n === 1)).toBe(true);
  expect(decisions.rows).toHaveLength(review.reviewItems.length + 2);
  const packets = await h.pool.query('SELECT count(*)::int AS n FROM packets WHERE handoff_id = $1', [handoffId]);
  expect(packets.rows[0].n).toBe(1);
  const releases = await h.pool.query('SELECT count(*)::int AS n FROM kickoff_releases WHERE handoff_id = $1', [handoffId]);
  expect(releases.rows[0].n).toBe(1);
});
