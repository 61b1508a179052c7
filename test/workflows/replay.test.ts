import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

// Recorded histories (test/workflows/histories, made with RECORD_HISTORIES=1) replayed through the
// current workflow code: a change that would break running handoffs fails here. Such a change needs
// patched(); a new history is recorded alongside the old ones, never instead of them.

const dir = path.join(__dirname, 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
});

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(4);
});

test.each(files)('%s replays without non-determinism', async (file) => {
  const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: process.env.HANDOFF_TEST_WORKFLOW_BUNDLE! } },
    history,
    file.replace(/\.json$/, ''),
  );
});
