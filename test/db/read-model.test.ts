import { createPool, type Pool } from '../../src/db/pool';
import { applyUpdateChanges, ReadModelGap, readHandoff, readHandoffAtLeast, seedHandoff, writeProgress, writeProgressChanges } from '../../src/db/read-model';
import { diff, snapshot } from '../../src/domain/state-delta';
import { progressFixture } from './progress-fixture';

// The read model's writes on a real Postgres: the revision guard, audit rows and measurements
// written once, and pending items replaced (not accumulated) with each newer revision; for writes
// as changes, the start's seed row, the base a write builds on, and writers racing on one row.

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

describe('changes (the progress-as-changes patch): one statement per write, taken only over the row it read', () => {
  const docOf = (p: ReturnType<typeof progressFixture>) => ({ state: p.state, owners: p.owners, kickoffTarget: p.kickoffTarget });
  const pendingRows = async (handoffId: string) =>
    (await pool.query('SELECT item_id, kind, assignee FROM pending_items WHERE handoff_id = $1 ORDER BY kind, item_id', [handoffId])).rows;

  test('the start seeds the row; the workflow writes over it; an update applies on its base; a write-behind of the same revision changes nothing', async () => {
    const handoffId = id('changes');
    const first = progressFixture(handoffId, 1);
    await seedHandoff(pool, handoffId, { ...docOf(first), state: { ...first.state, stage: 'intake', reviewItems: [], packet: undefined } });
    expect(await readHandoff(pool, handoffId)).toMatchObject({ revision: -1, state: { stage: 'intake' } });
    expect(await pendingRows(handoffId)).toEqual([]);

    // The workflow's first write is a whole document (base -1) and takes over the start's row.
    const whole = diff(undefined, docOf(first));
    expect(await writeProgressChanges(pool, { handoffId, revision: 1, base: -1, changes: whole, decisions: [], measurements: [] })).toBe(true);
    expect(await readHandoff(pool, handoffId)).toMatchObject({ revision: 1, state: { stage: 'in_review', revision: 1 } });
    expect(await pendingRows(handoffId)).toEqual([{ item_id: 'r1', kind: 'review_item', assignee: 'u-chen' }]);

    // A decision, as the API applies it from the update's answer: the item leaves the inbox, the audit row is kept.
    const decided = snapshot(docOf(first));
    decided.state.reviewItems[0].decision = { decision: 'approved', by: 'u-chen', at: '2026-11-21T10:00:00.000Z' };
    const changes = diff(docOf(first), decided);
    const decision = { requestId: `u-chen:${handoffId}-r1`, itemId: 'r1', kind: 'review_decision' as const, principalId: 'u-chen', decision: 'approved', packetVersion: 1 };
    const applied = await applyUpdateChanges(pool, handoffId, { revision: 2, base: 1, changes, decisions: [decision] });
    expect(applied).toMatchObject({ revision: 2, state: { reviewItems: [{ id: 'r1', decision: { decision: 'approved' } }] } });
    expect(await pendingRows(handoffId)).toEqual([]);

    // The workflow writes the same update behind (it cannot know the API did): nothing changes, the audit row stays one.
    expect(await writeProgressChanges(pool, { handoffId, revision: 2, base: 1, changes, decisions: [decision], measurements: [] })).toBe(false);
    const audit = await pool.query('SELECT count(*)::int AS n FROM review_decisions WHERE handoff_id = $1', [handoffId]);
    expect(audit.rows[0].n).toBe(1);
    expect((await readHandoff(pool, handoffId))?.revision).toBe(2);

    // Changes that build on a write not landed yet wait for it.
    await expect(writeProgressChanges(pool, { handoffId, revision: 5, base: 4, changes: [], decisions: [], measurements: [] })).rejects.toBeInstanceOf(ReadModelGap);
    // An update whose base the row has passed is not applied by the API (the workflow's write brings it).
    expect(await applyUpdateChanges(pool, handoffId, { revision: 2, base: 0, changes: [], decisions: [] })).toMatchObject({ revision: 2 });
    expect(await applyUpdateChanges(pool, handoffId, { revision: 4, base: 3, changes: [], decisions: [] })).toBeUndefined();
  });

  test('writers racing on one row each land on the revision they read or read again: the row ends at the newest, its pending items those of its document', async () => {
    const handoffId = id('race');
    const base = progressFixture(handoffId, 1);
    await writeProgressChanges(pool, { handoffId, revision: 1, base: -1, changes: diff(undefined, docOf(base)), decisions: [], measurements: [] });
    // Twenty writes of successive revisions, each a whole summary change, all sent at once: each may only land over an
    // older row, so whichever order Postgres takes them in, the newest wins and the pending items follow it.
    const writes = Array.from({ length: 20 }, (_, i) => {
      const doc = snapshot(docOf(base));
      doc.state.reviewItems[0].summary = `Promise of rev ${i + 2}`;
      return writeProgressChanges(pool, { handoffId, revision: i + 2, base: 1, changes: diff(docOf(base), doc), decisions: [], measurements: [] });
    });
    await Promise.all(writes);
    const row = await readHandoff(pool, handoffId);
    expect(row).toMatchObject({ revision: 21, state: { reviewItems: [{ summary: 'Promise of rev 21' }] } });
    const { rows } = await pool.query('SELECT summary FROM pending_items WHERE handoff_id = $1', [handoffId]);
    expect(rows).toEqual([{ summary: 'Promise of rev 21' }]);
  });
});
