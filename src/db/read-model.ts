import type { Pool, PoolClient } from 'pg';
import type { HandoffState } from '../domain/review';
import type { DecisionRecord } from '../activities/records';
import type { MeasurementEvent } from '../domain/measurement';
import { pendingItems } from '../domain/pending';
import { applyChanges, type Change } from '../domain/state-delta';

// The read model the workflow keeps current: one row per handoff with its whole public state (what
// the `state` query would answer), its owners and a revision, plus one row per pending item for the
// inbox. The API reads only this; the workflow stays the source of truth.

/** Something waiting for one person: a review item, a blocking question, or a signoff. */
export interface PendingItem {
  itemId: string;
  kind: 'review_item' | 'question' | 'signoff';
  assignee: string;
  summary: string;
  blocking: boolean;
  /** When it started waiting, and when its next reminder or escalation falls due. */
  since: string;
  dueAt?: string;
  escalated: boolean;
}

export interface ReadModelOwners {
  handoffOwner?: string;
  sales?: string;
  implementation?: string;
  escalation?: string;
}

/** One write of the workflow's progress: audit rows, measurements and the read model, in one transaction. */
export interface ProgressRecord {
  handoffId: string;
  /** Grows with every change of state; a write never replaces a newer one. */
  revision: number;
  state: HandoffState;
  dealId: string;
  customerName: string;
  owners: ReadModelOwners;
  kickoffTarget?: string;
  pending: PendingItem[];
  decisions: DecisionRecord[];
  measurements: MeasurementEvent[];
}

/** What the read model keeps of one handoff: its public state, its owners and its kickoff date. */
export interface ReadModelDoc {
  state: HandoffState;
  owners: ReadModelOwners;
  kickoffTarget?: string;
}

/**
 * One write of the workflow's progress as changes (runs under the progress-as-changes patch):
 * the changes since the workflow's own last write (`base`), plus every path an update touched
 * since then, so they apply on any stored revision from `base` up to `revision`.
 */
export interface ProgressChanges {
  handoffId: string;
  /** The revision these changes lead to, and the one they start from (-1: a whole document). */
  revision: number;
  base: number;
  changes: Change[];
  decisions: CompactDecision[];
  measurements: CompactMeasurement[];
}

/** An audit row as history carries it: the handoff is the writer's to fill in. */
export type CompactDecision = Omit<DecisionRecord, 'handoffId'>;
/** A measurement as history carries it: ids and the key come from the handoff and `discriminator`. */
export type CompactMeasurement = Omit<MeasurementEvent, 'handoffId' | 'dealId' | 'key' | 'detail'> & { detail?: MeasurementEvent['detail']; discriminator: string };

const fullDecisions = (handoffId: string, rows: CompactDecision[]): DecisionRecord[] => rows.map((row) => ({ ...row, handoffId }));
const fullMeasurements = (handoffId: string, dealId: string, rows: CompactMeasurement[]): MeasurementEvent[] =>
  // A whole event (with its key) is taken as it is: a writer must never invent a second key for one event.
  rows.map(({ discriminator, ...event }) => ({ ...event, handoffId, dealId, detail: event.detail ?? {}, key: (event as { key?: string }).key ?? `${handoffId}:${event.kind}:${discriminator}` }));

/** A write could not be applied yet: an earlier one it builds on has not landed. */
export class ReadModelGap extends Error {}

/**
 * Writes one step of the workflow's progress in one transaction: audit rows and measurements (each
 * once, by its key), then the handoff's row and pending items, but only when this revision is newer
 * than the stored one, so a late retry of an older step never overwrites newer state.
 * Also keeps the columns the older projection (`recordProjection`) wrote, so lists stay as they were.
 * Answers whether the read model took this revision.
 */
export async function writeProgress(pool: Pool, progress: ProgressRecord): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    await insertDecisions(db, progress.decisions);
    await insertMeasurements(db, progress.measurements);
    const doc: ReadModelDoc = { state: progress.state, owners: progress.owners, kickoffTarget: progress.kickoffTarget };
    const taken = await storeRow(db, progress.handoffId, doc, progress.revision, progress.pending);
    if (taken) await replacePending(db, progress.handoffId, progress.pending);
    return taken;
  });
}

/**
 * Applies the workflow's changes on the stored row when it holds a revision from `base` up to (not
 * including) `revision`; a newer row is left as it is. Throws ReadModelGap while the row is older
 * than `base` (the write before this one is still on its way; the activity is retried).
 */
export async function writeProgressChanges(pool: Pool, progress: ProgressChanges): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    await insertDecisions(db, fullDecisions(progress.handoffId, progress.decisions));
    const stored = await lockRow(db, progress.handoffId);
    if (stored.revision < progress.base) throw new ReadModelGap(`read model of ${progress.handoffId} is at revision ${stored.revision}, these changes start from ${progress.base}`);
    const taken = stored.revision < progress.revision && (await applyAndStore(db, progress.handoffId, stored.doc, progress.changes, progress.revision)).taken;
    if (progress.measurements.length) {
      const dealId = (await readHandoff(db, progress.handoffId))?.state.dealId;
      if (!dealId) throw new ReadModelGap(`read model of ${progress.handoffId} has no row for its measurements yet`);
      await insertMeasurements(db, fullMeasurements(progress.handoffId, dealId, progress.measurements));
    }
    return taken;
  });
}

/** What an update answered under the progress-as-changes patch: its changes, from `base` to `revision`. */
export interface UpdateChanges {
  revision: number;
  base: number;
  changes: Change[];
  decisions?: CompactDecision[];
}

/**
 * Read-your-writes for an action: applies the update's own changes when the stored row is exactly at
 * the revision before it. Answers the row at `revision` or newer, or undefined while the row is
 * older than `base` (the caller waits for the workflow's write, or asks the workflow).
 * A client that is inside a transaction (the evidence lock) applies them within it.
 */
export async function applyUpdateChanges(db: Pool | PoolClient, handoffId: string, update: UpdateChanges): Promise<ReadModelRow | undefined> {
  const run = async (tx: PoolClient | Pool) => {
    await insertDecisions(tx, fullDecisions(handoffId, update.decisions ?? []));
    const stored = await lockRow(tx, handoffId);
    if (stored.revision >= update.revision) return rowOf(stored);
    if (stored.revision !== update.base || !stored.doc) return undefined;
    const { doc } = await applyAndStore(tx, handoffId, stored.doc, update.changes, update.revision);
    return { state: doc.state, owners: doc.owners, revision: update.revision };
  };
  if ('totalCount' in db) return inTransaction(db, run);
  await db.query('SAVEPOINT apply_update');
  try {
    const row = await run(db);
    await db.query('RELEASE SAVEPOINT apply_update');
    return row;
  } catch (err) {
    await db.query('ROLLBACK TO SAVEPOINT apply_update');
    throw err;
  }
}

interface StoredRow {
  doc?: ReadModelDoc;
  revision: number;
}

const rowOf = (stored: StoredRow): ReadModelRow => ({ state: stored.doc!.state, owners: stored.doc!.owners, revision: stored.revision });

async function lockRow(db: Pool | PoolClient, handoffId: string): Promise<StoredRow> {
  const { rows } = await db.query<{ state: HandoffState | null; owners: ReadModelOwners; kickoff_target: string | null; revision: string | null }>(
    `SELECT state, owners, to_char(kickoff_target, 'YYYY-MM-DD') AS kickoff_target, revision FROM handoffs WHERE handoff_id = $1 FOR UPDATE`,
    [handoffId],
  );
  const row = rows[0];
  if (!row || row.state === null || row.revision === null) return { revision: -1 };
  const kickoffTarget = row.state.kickoffTarget ?? row.kickoff_target ?? undefined;
  return { doc: { state: row.state, owners: row.owners, kickoffTarget }, revision: Number(row.revision) };
}

async function applyAndStore(db: Pool | PoolClient, handoffId: string, doc: ReadModelDoc | undefined, changes: Change[], revision: number): Promise<{ taken: boolean; doc: ReadModelDoc }> {
  const next = applyChanges(doc, changes);
  if (!next?.state) throw new ReadModelGap(`read model of ${handoffId} has no document to apply changes to`);
  next.state.revision = revision;
  const pending = pendingOf(next);
  const taken = await storeRow(db, handoffId, next, revision, pending);
  if (taken) await replacePending(db, handoffId, pending);
  return { taken, doc: next };
}

async function inTransaction<T>(pool: Pool, work: (db: PoolClient) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  let broken: Error | undefined;
  try {
    await db.query('BEGIN');
    const result = await work(db);
    await db.query('COMMIT');
    return result;
  } catch (err) {
    await db.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    db.release(broken);
  }
}

async function insertDecisions(db: Pool | PoolClient, decisions: DecisionRecord[]): Promise<void> {
  if (!decisions.length) return;
  await db.query(
    `INSERT INTO review_decisions (request_id, handoff_id, item_id, kind, principal_id, decision, comment, packet_version)
     SELECT "requestId", "handoffId", "itemId", kind, "principalId", decision, comment, "packetVersion"
       FROM jsonb_to_recordset($1::jsonb) AS d("requestId" text, "handoffId" text, "itemId" text, kind text, "principalId" text, decision text, comment text, "packetVersion" integer)
     ON CONFLICT (request_id) DO NOTHING`,
    [JSON.stringify(decisions)],
  );
}

async function insertMeasurements(db: Pool | PoolClient, measurements: MeasurementEvent[]): Promise<void> {
  if (!measurements.length) return;
  await db.query(
    `INSERT INTO measurement_events (key, handoff_id, deal_id, kind, value, owner, detail, at)
     SELECT key, "handoffId", "dealId", kind, value, owner, coalesce(detail, '{}'), at
       FROM jsonb_to_recordset($1::jsonb) AS m(key text, "handoffId" text, "dealId" text, kind text, value double precision, owner text, detail jsonb, at timestamptz)
     ON CONFLICT (key) DO NOTHING`,
    [JSON.stringify(measurements)],
  );
}

/**
 * The row of a handoff being started, in the transaction that records its run: its state before the
 * workflow's first write (revision -1, below any the workflow writes; never over a stored row).
 */
export async function seedHandoff(db: Pool | PoolClient, handoffId: string, doc: ReadModelDoc): Promise<void> {
  await storeRow(db, handoffId, { ...doc, state: { ...doc.state, revision: SEED_REVISION } }, SEED_REVISION, []);
}

const SEED_REVISION = -1;

/** The handoff's row at `revision`, taken only over an older one. Answers whether it was taken. */
async function storeRow(db: Pool | PoolClient, handoffId: string, doc: ReadModelDoc, revision: number, pending: PendingItem[]): Promise<boolean> {
  const { state, owners } = doc;
  const assignees = [...new Set(pending.map((p) => p.assignee))];
  const taken = await db.query(
    `INSERT INTO handoffs (handoff_id, deal_id, customer_name, stage, bundle_hash, packet_version, handoff_owner, sales_owner,
                           implementation_owner, escalation_owner, kickoff_target, assignees, owners, state, revision)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
     ON CONFLICT (handoff_id) DO UPDATE SET deal_id = EXCLUDED.deal_id, customer_name = EXCLUDED.customer_name,
       stage = EXCLUDED.stage, bundle_hash = EXCLUDED.bundle_hash,
       packet_version = COALESCE(EXCLUDED.packet_version, handoffs.packet_version),
       handoff_owner = EXCLUDED.handoff_owner, sales_owner = EXCLUDED.sales_owner,
       implementation_owner = EXCLUDED.implementation_owner, escalation_owner = EXCLUDED.escalation_owner,
       kickoff_target = EXCLUDED.kickoff_target, assignees = EXCLUDED.assignees, owners = EXCLUDED.owners,
       state = EXCLUDED.state, revision = EXCLUDED.revision, updated_at = now()
     WHERE handoffs.revision IS NULL OR handoffs.revision < EXCLUDED.revision
     RETURNING 1`,
    [
      handoffId, state.dealId, state.customerName, state.stage, state.bundleHash, state.packet?.version ?? null,
      owners.handoffOwner ?? null, owners.sales ?? null, owners.implementation ?? null, owners.escalation ?? null,
      storableDate(doc.kickoffTarget) ?? null, assignees, JSON.stringify(owners), JSON.stringify(state), revision,
    ],
  );
  return taken.rowCount === 1;
}

/** What waits for whom in this document (the owners it holds are ids). */
function pendingOf(doc: ReadModelDoc): PendingItem[] {
  const asOwner = (id?: string) => (id ? { id } : undefined);
  const owners = doc.owners ?? {};
  return pendingItems(doc.state, { sales: asOwner(owners.sales), implementation: asOwner(owners.implementation) });
}

async function replacePending(db: Pool | PoolClient, handoffId: string, pending: PendingItem[]): Promise<void> {
  await db.query('DELETE FROM pending_items WHERE handoff_id = $1', [handoffId]);
  if (!pending.length) return;
  await db.query(
    `INSERT INTO pending_items (handoff_id, item_id, kind, assignee, summary, blocking, since, due_at, escalated)
     SELECT $1, "itemId", kind, assignee, summary, coalesce(blocking, false), nullif(since, '')::timestamptz, nullif("dueAt", '')::timestamptz, coalesce(escalated, false)
       FROM jsonb_to_recordset($2::jsonb) AS p("itemId" text, kind text, assignee text, summary text, blocking boolean, since text, "dueAt" text, escalated boolean)
     ON CONFLICT DO NOTHING`,
    [handoffId, JSON.stringify(pending)],
  );
}

/** A kickoff date Postgres takes (years 1-9999), or none: the read model is not the gate. */
export function storableDate(day: string | undefined): string | undefined {
  const year = day && /^(\d{4})-\d{2}-\d{2}$/.exec(day)?.[1];
  return year && Number(year) >= 1 && !Number.isNaN(Date.parse(day!)) ? day : undefined;
}

/** One handoff as the read model holds it. */
export interface ReadModelRow {
  state: HandoffState;
  owners: ReadModelOwners;
  revision: number;
}

/** The handoff's row, or undefined while the workflow has not written it yet. */
export async function readHandoff(pool: Pool | PoolClient, handoffId: string): Promise<ReadModelRow | undefined> {
  const { rows } = await pool.query<{ state: HandoffState; owners: ReadModelOwners; revision: string }>(
    'SELECT state, owners, revision FROM handoffs WHERE handoff_id = $1 AND state IS NOT NULL',
    [handoffId],
  );
  return rows[0] && { state: rows[0].state, owners: rows[0].owners, revision: Number(rows[0].revision) };
}

/**
 * Read-your-writes: the row once it holds at least `revision`, polled briefly (the workflow writes
 * it in the same workflow task that answers the update, so it is usually there at once), or
 * undefined after `timeoutMs` (the caller then asks the workflow).
 */
export async function readHandoffAtLeast(pool: Pool | PoolClient, handoffId: string, revision: number, timeoutMs = 3_000): Promise<ReadModelRow | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 25)) {
    const row = await readHandoff(pool, handoffId);
    if (row && row.revision >= revision) return row;
    if (Date.now() + wait > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
