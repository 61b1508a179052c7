import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort } from '../../src/dev/free-port';

// `npm run worker` with WORKER_METRICS_ADDRESS serves the Temporal SDK's worker metrics for Prometheus.
// The worker runs as its own process, as deployed (the SDK's runtime, and so its exporter, is one per process).

const root = path.resolve(__dirname, '..', '..');
let child: ChildProcess | undefined;
let output = '';

afterAll(async () => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

test('the worker serves temporal_ metrics on WORKER_METRICS_ADDRESS', async () => {
  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'worker.ts')], {
    cwd: root,
    env: {
      ...process.env,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_TASK_QUEUE: `handoff-metrics-${randomUUID()}`,
      HANDOFF_WORKFLOW_BUNDLE: process.env.HANDOFF_TEST_WORKFLOW_BUNDLE,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output = (output + d).slice(-8000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-8000)));

  // Poll until the worker polls its task queue: its poller gauge is then on the page.
  const deadline = Date.now() + 60_000;
  let body = '';
  while (!/^temporal_num_pollers\{[^}]*poller_type="workflow_task"[^}]*\} [1-9]/m.test(body)) {
    if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}): ${output}`);
    if (Date.now() > deadline) throw new Error(`no worker metrics at 127.0.0.1:${port}: ${body.slice(0, 2000)}\n${output}`);
    body = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    await new Promise((r) => setTimeout(r, 250));
  }
  const names = new Set([...body.matchAll(/^(temporal_[a-z_]+)/gm)].map((m) => m[1]));
  expect(names).toContain('temporal_num_pollers');
  expect(names).toContain('temporal_worker_task_slots_available');
  // Labelled with the worker's task queue and namespace, as dashboards filter them.
  expect(body).toMatch(/task_queue="handoff-metrics-/);
});
