import { createPool, type Pool } from '../../src/db/pool';
import { readHandoff, readHandoffAtLeast, writeProgress } from '../../src/db/read-model';
import { progressFixture } from './progress-fixture';

// writeProgress on a real Postgres: the revision guard, audit rows and measurements written once,
// and pending items replaced (not accumulated) with each newer revision.

let pool: Pool;
beforeAll(() => {
  pool = createPool(process.env.DATABASE_URL!);
});
afterAll(async () => {
  await pool.end();
});

const id = (name: string) => `handoff-rm-${name}-${Date.now().toString(36)}`;

test('a newer revision replaces the row and its pending items; an older one changes nothing', async () => {
  const handoffId = id('guard');
  expect(await writeProgress(pool, progressFixture(handoffId, 2))).toBe(true);
  const newer = progressFixture(handoffId, 5, {
    stage: 'awaiting_signoff',
    owners: { handoffOwner: 'u-ana', sales: 'u-ben', implementation: 'u-impl2' },
    pending: [
      { itemId: 'sales', kind: 'signoff', assignee: 'u-ben', summary: 'Sign packet v1', blocking: true, since: '2026-11-21T00:00:00.000Z', escalated: false },
      { itemId: 'implementation', kind: 'signoff', assignee: 'u-impl2', summary: 'Sign packet v1', blocking: true, since: '2026-11-21T00:00:00.000Z', dueAt: '2026-11-23T00:00:00.000Z', escalated: true },
    ],
  });
  expect(await writeProgress(pool, newer)).toBe(true);
  // A late retry of revision 3 (or of 5 itself) must not bring back the older state or items.
  expect(await writeProgress(pool, progressFixture(handoffId, 3))).toBe(false);
  expect(await writeProgress(pool, progressFixture(handoffId, 5))).toBe(false);

  const row = await readHandoff(pool, handoffId);
  expect(row).toMatchObject({ revision: 5, state: { stage: 'awaiting_signoff' }, owners: { implementation: 'u-impl2' } });
  const { rows: [projection] } = await pool.query('SELECT stage, implementation_owner, escalation_owner, packet_version, assignees, bundle_hash FROM handoffs WHERE handoff_id = $1', [handoffId]);
  // The columns the older projection wrote stay filled, so lists keep working.
  expect(projection).toEqual({ stage: 'awaiting_signoff', implementation_owner: 'u-impl2', escalation_owner: null, packet_version: 1, assignees: ['u-ben', 'u-impl2'], bundle_hash: `sha256:${'b'.repeat(64)}` });
  const { rows: items } = await pool.query('SELECT item_id, kind, assignee, escalated, due_at FROM pending_items WHERE handoff_id = $1 ORDER BY item_id', [handoffId]);
  expect(items).toEqual([
    { item_id: 'implementation', kind: 'signoff', assignee: 'u-impl2', escalated: true, due_at: new Date('2026-11-23T00:00:00.000Z') },
    { item_id: 'sales', kind: 'signoff', assignee: 'u-ben', escalated: false, due_at: null },
  ]);
});

test('decisions and measurements are written once, even when a step is written again', async () => {
  const handoffId = id('once');
  const decision = { requestId: `${handoffId}-d1`, handoffId, itemId: 'r1', kind: 'review_decision' as const, principalId: 'u-chen', decision: 'rejected', comment: 'not sold', packetVersion: 1 };
  const measurement = { key: `${handoffId}:accepted:v1`, handoffId, dealId: 'D-rm', kind: 'accepted' as const, value: 1, owner: 'u-chen', detail: { via: 'test' }, at: '2026-11-22T10:00:00.000Z' };
  const step = progressFixture(handoffId, 1, { decisions: [decision], measurements: [measurement] });
  await writeProgress(pool, step);
  // The activity retried (same revision), and a later step carries the same rows again.
  await writeProgress(pool, step);
  await writeProgress(pool, progressFixture(handoffId, 2, { decisions: [decision, decision], measurements: [measurement], pending: [] }));

  const { rows: decisions } = await pool.query('SELECT item_id, principal_id, decision, comment, packet_version FROM review_decisions WHERE handoff_id = $1', [handoffId]);
  expect(decisions).toEqual([{ item_id: 'r1', principal_id: 'u-chen', decision: 'rejected', comment: 'not sold', packet_version: 1 }]);
  const { rows: events } = await pool.query('SELECT kind, value, owner, detail, at FROM measurement_events WHERE handoff_id = $1', [handoffId]);
  expect(events).toEqual([{ kind: 'accepted', value: 1, owner: 'u-chen', detail: { via: 'test' }, at: new Date('2026-11-22T10:00:00.000Z') }]);
  expect((await pool.query('SELECT 1 FROM pending_items WHERE handoff_id = $1', [handoffId])).rowCount).toBe(0);
});

test('a row the older projection wrote (no revision yet) is taken over by the first write', async () => {
  const handoffId = id('legacy');
  await pool.query(`INSERT INTO handoffs (handoff_id, deal_id, customer_name, stage, bundle_hash) VALUES ($1, 'D-legacy', 'Legacy', 'drafting', 'sha256:x')`, [handoffId]);
  expect(await readHandoff(pool, handoffId)).toBeUndefined();
  expect(await writeProgress(pool, progressFixture(handoffId, 0))).toBe(true);
  expect((await readHandoff(pool, handoffId))?.state.stage).toBe('in_review');
});

test('readHandoffAtLeast waits for the revision an update answered, and gives up when it never comes', async () => {
  const handoffId = id('wait');
  await writeProgress(pool, progressFixture(handoffId, 1));
  const waiting = readHandoffAtLeast(pool, handoffId, 2, 3_000);
  setTimeout(() => void writeProgress(pool, progressFixture(handoffId, 2, { stage: 'awaiting_signoff' })), 50);
  expect(await waiting).toMatchObject({ revision: 2, state: { stage: 'awaiting_signoff' } });
  expect(await readHandoffAtLeast(pool, handoffId, 9, 100)).toBeUndefined();
});
