import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { startLocalServices } from '../src/dev/local-services';
import type { Actor, HandoffState } from '../src/domain/review';
import { decideReviewItemUpdate, milestoneStatusUpdate, signoffUpdate } from '../src/workflows/definitions';
import { loadSharedFixture, withDealId } from '../test/support/fixtures';
import { startHarness, type Harness } from '../test/support/harness';
import { inStage, startHandoff, waitForState } from '../test/support/start-handoff';

// The worked example end to end on a real dev server and Postgres: how many history events and
// bytes one handoff costs (targets: ≤ 150 events, ≤ 64 KiB), and how long the path takes.

export const TARGET_EVENTS = 150;
export const TARGET_BYTES = 64 * 1024;

async function runOneHandoff(h: Harness, suffix: string): Promise<{ handoffId: string; ms: number }> {
  const started = Date.now();
  const { handoffId, handle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), suffix));
  const review: HandoffState = await waitForState(h, handoffId, inStage('in_review'), 60_000);
  for (const item of review.reviewItems) {
    const actor: Actor = { id: item.routeTo, roles: ['reviewer'] };
    await handle.executeUpdate(decideReviewItemUpdate, { args: [{ itemId: item.id, decision: 'rejected', packetVersion: 1, requestId: `${handoffId}-${item.id}`, actor }] });
  }
  const awaiting = await waitForState(h, handoffId, inStage('awaiting_signoff'), 60_000);
  for (const [role, id] of [['sales', 'u-ben'], ['implementation', 'u-chen']] as const) {
    await handle.executeUpdate(signoffUpdate, {
      args: [{ role, packetVersion: 1, packetHash: awaiting.packet!.hash, requestId: `${handoffId}-${role}`, actor: { id, roles: [role] } }],
    });
  }
  await waitForState(h, handoffId, inStage('first_milestone'), 60_000);
  await handle.executeUpdate(milestoneStatusUpdate, { args: [{ status: 'met', requestId: `${handoffId}-m`, actor: { id: 'u-chen', roles: ['implementation'] } }] });
  await handle.result();
  return { handoffId, ms: Date.now() - started };
}

export async function benchHistory(concurrent = 10): Promise<{ name: string; figures: Record<string, number> }> {
  const services = await startLocalServices(path.resolve(__dirname, '..', '.data', `bench-${process.pid}`));
  process.env.DATABASE_URL = services.postgres.url;
  process.env.TEMPORAL_ADDRESS = services.temporal.address;
  delete process.env.HANDOFF_TEST_WORKFLOW_BUNDLE;
  const h = await startHarness({}, { api: false });
  try {
    const single = await runOneHandoff(h, 'bench');
    const history = await h.client.workflow.getHandle(single.handoffId).fetchHistory();
    const events = history.events?.length ?? 0;
    const bytes = temporal.api.history.v1.History.encode(history).finish().length;

    const rssBefore = process.memoryUsage().rss;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: concurrent }, (_, i) => runOneHandoff(h, `bench${i}`)));
    const seconds = (Date.now() - t0) / 1000;
    const { rss, heapUsed } = process.memoryUsage();
    return {
      name: 'worked example end to end (real dev server + Postgres, rules drafter)',
      figures: {
        historyEvents: events,
        'events / target (≤1 is good)': round(events / TARGET_EVENTS),
        historyBytes: bytes,
        'bytes / target (≤1 is good)': round(bytes / TARGET_BYTES),
        'one handoff, ms': single.ms,
        [`${concurrent} concurrent handoffs, handoffs/s`]: round(concurrent / seconds),
        // Worker, API client and test driver share this process: an upper bound for the worker.
        'process RSS after, MiB': round(rss / 2 ** 20),
        [`RSS growth over ${concurrent} handoffs, MiB`]: round((rss - rssBefore) / 2 ** 20),
        'JS heap used after, MiB': round(heapUsed / 2 ** 20),
      },
    };
  } finally {
    await h.close();
    await services.stop();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
