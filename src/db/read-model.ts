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
  const { handoffId } = progress;
  const decisions = fullDecisions(handoffId, progress.decisions);
  for (let attempt = 1; ; attempt++) {
    const stored = await readRow(pool, handoffId);
    if (stored.revision < progress.base) throw new ReadModelGap(`read model of ${handoffId} is at revision ${stored.revision}, these changes start from ${progress.base}`);
    const next = stored.revision < progress.revision ? nextDoc(handoffId, stored.doc, progress.changes, progress.revision) : undefined;
    const dealId = next?.state.dealId ?? stored.doc?.state.dealId;
    if (progress.measurements.length && !dealId) throw new ReadModelGap(`read model of ${handoffId} has no row for its measurements yet`);
    const measurements = progress.measurements.length ? fullMeasurements(handoffId, dealId!, progress.measurements) : [];
    const taken = await writeRow(pool, handoffId, { expected: stored.revision, next: next && { doc: next, revision: progress.revision }, decisions, measurements });
    // Not taken: another writer moved the row between the read and this write; read it again.
    if (taken || !next) return taken;
    if (attempt >= MAX_ATTEMPTS) throw new ReadModelGap(`read model of ${handoffId} kept changing under ${MAX_ATTEMPTS} attempts to write revision ${progress.revision}`);
  }
}

/** A write reads the row, then writes on condition that it has not changed: this often, at most, in a row. */
const MAX_ATTEMPTS = 20;

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
export async function applyUpdateChanges(db: Pool | PoolClient, handoffId: string, update: UpdateChanges, known?: ReadModelRow): Promise<ReadModelRow | undefined> {
  const decisions = fullDecisions(handoffId, update.decisions ?? []);
  for (let attempt = 1; ; attempt++) {
    // The row the caller read before the update (authorization) saves a read when the update built on it;
    // should it have moved on since, the conditional write is not taken and the next round reads it.
    const stored = attempt === 1 && known?.revision === update.base ? storedOf(known) : await readRow(db, handoffId);
    if (stored.revision >= update.revision || stored.revision !== update.base || !stored.doc) {
      // The audit rows are kept either way (each once): the update happened, whoever writes the row.
      await writeRow(db, handoffId, { expected: stored.revision, decisions, measurements: [] });
      return stored.revision >= update.revision && stored.doc ? rowOf(stored) : undefined;
    }
    const next = nextDoc(handoffId, stored.doc, update.changes, update.revision);
    if (await writeRow(db, handoffId, { expected: stored.revision, next: { doc: next, revision: update.revision }, decisions, measurements: [] })) {
      return { state: next.state, owners: next.owners, revision: update.revision, kickoffTarget: next.kickoffTarget };
    }
    if (attempt >= MAX_ATTEMPTS) return undefined;
  }
}

interface StoredRow {
  doc?: ReadModelDoc;
  revision: number;
}

const rowOf = (stored: StoredRow): ReadModelRow => ({ state: stored.doc!.state, owners: stored.doc!.owners, revision: stored.revision, kickoffTarget: stored.doc!.kickoffTarget });
const storedOf = (row: ReadModelRow): StoredRow => ({ doc: { state: row.state, owners: row.owners, kickoffTarget: row.kickoffTarget }, revision: row.revision });

/** The stored row, read without a lock: the write after it is conditional on the revision it saw. */
async function readRow(db: Pool | PoolClient, handoffId: string): Promise<StoredRow> {
  const { rows } = await db.query<{ state: HandoffState | null; owners: ReadModelOwners; kickoff_target: string | null; revision: string | null }>(
    `SELECT state, owners, to_char(kickoff_target, 'YYYY-MM-DD') AS kickoff_target, revision FROM handoffs WHERE handoff_id = $1`,
    [handoffId],
  );
  const row = rows[0];
  if (!row || row.state === null || row.revision === null) return { revision: -1 };
  const kickoffTarget = row.state.kickoffTarget ?? row.kickoff_target ?? undefined;
  return { doc: { state: row.state, owners: row.owners, kickoffTarget }, revision: Number(row.revision) };
}

function nextDoc(handoffId: string, doc: ReadModelDoc | undefined, changes: Change[], revision: number): ReadModelDoc {
  const next = applyChanges(doc, changes);
  if (!next?.state) throw new ReadModelGap(`read model of ${handoffId} has no document to apply changes to`);
  next.state.revision = revision;
  return next;
}

// The statements every read-model writer shares: the handoff row's columns and how a newer write
// replaces it, and the audit rows and measurements taken once each from a JSON array parameter.
const ROW_COLUMNS = `handoff_id, deal_id, customer_name, stage, bundle_hash, packet_version, handoff_owner, sales_owner,
  implementation_owner, escalation_owner, kickoff_target, assignees, owners, state, revision`;
const UPSERT_ROW = `ON CONFLICT (handoff_id) DO UPDATE SET deal_id = EXCLUDED.deal_id, customer_name = EXCLUDED.customer_name,
  stage = EXCLUDED.stage, bundle_hash = EXCLUDED.bundle_hash,
  packet_version = COALESCE(EXCLUDED.packet_version, handoffs.packet_version),
  handoff_owner = EXCLUDED.handoff_owner, sales_owner = EXCLUDED.sales_owner,
  implementation_owner = EXCLUDED.implementation_owner, escalation_owner = EXCLUDED.escalation_owner,
  kickoff_target = EXCLUDED.kickoff_target, assignees = EXCLUDED.assignees, owners = EXCLUDED.owners,
  state = EXCLUDED.state, revision = EXCLUDED.revision, updated_at = now()`;
const insertDecisionsFrom = (param: string) => `INSERT INTO review_decisions (request_id, handoff_id, item_id, kind, principal_id, decision, comment, packet_version)
  SELECT "requestId", "handoffId", "itemId", kind, "principalId", decision, comment, "packetVersion"
    FROM jsonb_to_recordset(${param}::jsonb) AS d("requestId" text, "handoffId" text, "itemId" text, kind text, "principalId" text, decision text, comment text, "packetVersion" integer)
  ON CONFLICT (request_id) DO NOTHING`;
const insertMeasurementsFrom = (param: string) => `INSERT INTO measurement_events (key, handoff_id, deal_id, kind, value, owner, detail, at)
  SELECT key, "handoffId", "dealId", kind, value, owner, coalesce(detail, '{}'), at
    FROM jsonb_to_recordset(${param}::jsonb) AS m(key text, "handoffId" text, "dealId" text, kind text, value double precision, owner text, detail jsonb, at timestamptz)
  ON CONFLICT (key) DO NOTHING`;

/** The values of ROW_COLUMNS for this document (all but the id null without one). */
function rowValues(handoffId: string, doc: ReadModelDoc | undefined, revision: number | null, pending: PendingItem[]): unknown[] {
  const state = doc?.state;
  const owners = doc?.owners ?? {};
  return [
    handoffId, state?.dealId ?? null, state?.customerName ?? null, state?.stage ?? null, state?.bundleHash ?? null, state?.packet?.version ?? null,
    owners.handoffOwner ?? null, owners.sales ?? null, owners.implementation ?? null, owners.escalation ?? null,
    storableDate(doc?.kickoffTarget) ?? null, [...new Set(pending.map((p) => p.assignee))], JSON.stringify(owners),
    state ? JSON.stringify(state) : null, revision,
  ];
}

interface RowWrite {
  /** The revision the row was read at (-1: no row, or one without a revision): `next` is taken only over it. */
  expected: number;
  next?: { doc: ReadModelDoc; revision: number };
  decisions: DecisionRecord[];
  measurements: MeasurementEvent[];
}

/**
 * One statement, so one round trip and atomic without a transaction: the audit rows and measurements
 * (each once, by its key), and, only while the row is still at `expected`, the row at its new
 * revision with its pending items (those no longer pending deleted, the rest upserted). Answers
 * whether the row was taken.
 */
async function writeRow(db: Pool | PoolClient, handoffId: string, write: RowWrite): Promise<boolean> {
  const { next, decisions, measurements } = write;
  if (!next && !decisions.length && !measurements.length) return false;
  const doc = next?.doc;
  // One row per key (the old DELETE-then-INSERT kept the first of duplicates, and so does this).
  const seen = new Set<string>();
  const firstOfEach = (doc ? pendingOf(doc) : []).filter((p) => {
    const key = `${p.kind}\u0000${p.itemId}\u0000${p.assignee}`;
    return !seen.has(key) && !!seen.add(key);
  });
  const { rows } = await db.query<{ taken: number }>(
    `WITH decided AS (
       ${insertDecisionsFrom('$1')}
     ), measured AS (
       ${insertMeasurementsFrom('$2')}
     ), taken AS (
       INSERT INTO handoffs (${ROW_COLUMNS})
       SELECT $3::text, $4::text, $5::text, $6::text, $7::text, $8::integer, $9::text, $10::text, $11::text, $12::text, $13::date, $14::text[], $15::jsonb, $16::jsonb, $17::bigint
        WHERE $16::jsonb IS NOT NULL
       ${UPSERT_ROW}
       -- As read: -1 stands for no revision or no state (a row of the older projection) and the start's own row.
       WHERE CASE WHEN $18::bigint = -1 THEN handoffs.revision IS NULL OR handoffs.revision = -1 OR handoffs.state IS NULL
                  ELSE handoffs.revision = $18::bigint AND handoffs.state IS NOT NULL END
       RETURNING 1
     ), pending AS (
       SELECT "itemId", kind, assignee, summary, coalesce(blocking, false) AS blocking, nullif(since, '')::timestamptz AS since,
              nullif("dueAt", '')::timestamptz AS due_at, coalesce(escalated, false) AS escalated
         FROM jsonb_to_recordset($19::jsonb) AS p("itemId" text, kind text, assignee text, summary text, blocking boolean, since text, "dueAt" text, escalated boolean)
     ), gone AS (
       DELETE FROM pending_items old
        WHERE old.handoff_id = $3::text AND EXISTS (SELECT 1 FROM taken)
          AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.kind = old.kind AND p."itemId" = old.item_id AND p.assignee = old.assignee)
     ), kept AS (
       INSERT INTO pending_items (handoff_id, item_id, kind, assignee, summary, blocking, since, due_at, escalated)
       SELECT $3::text, "itemId", kind, assignee, summary, blocking, since, due_at, escalated FROM pending WHERE EXISTS (SELECT 1 FROM taken)
       ON CONFLICT (handoff_id, kind, item_id, assignee) DO UPDATE SET summary = EXCLUDED.summary, blocking = EXCLUDED.blocking,
         since = EXCLUDED.since, due_at = EXCLUDED.due_at, escalated = EXCLUDED.escalated
     )
     SELECT count(*)::int AS taken FROM taken`,
    [
      JSON.stringify(decisions), JSON.stringify(measurements),
      ...rowValues(handoffId, doc, next?.revision ?? null, firstOfEach), write.expected, JSON.stringify(firstOfEach),
    ],
  );
  return rows[0].taken === 1;
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
    `${insertDecisionsFrom('$1')}`,
    [JSON.stringify(decisions)],
  );
}

async function insertMeasurements(db: Pool | PoolClient, measurements: MeasurementEvent[]): Promise<void> {
  if (!measurements.length) return;
  await db.query(
    `${insertMeasurementsFrom('$1')}`,
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
  const taken = await db.query(
    `INSERT INTO handoffs (${ROW_COLUMNS})
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
     ${UPSERT_ROW}
     WHERE handoffs.revision IS NULL OR handoffs.revision < EXCLUDED.revision
     RETURNING 1`,
    rowValues(handoffId, doc, revision, pending),
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
  /** The kickoff date the row keeps beside the state (the state's own, when it has one). */
  kickoffTarget?: string;
}

/** The handoff's row, or undefined while the workflow has not written it yet. */
export async function readHandoff(pool: Pool | PoolClient, handoffId: string): Promise<ReadModelRow | undefined> {
  const { rows } = await pool.query<{ state: HandoffState; owners: ReadModelOwners; revision: string; kickoff_target: string | null }>(
    `SELECT state, owners, revision, to_char(kickoff_target, 'YYYY-MM-DD') AS kickoff_target FROM handoffs WHERE handoff_id = $1 AND state IS NOT NULL`,
    [handoffId],
  );
  const row = rows[0];
  return row && { state: row.state, owners: row.owners, revision: Number(row.revision), kickoffTarget: row.state.kickoffTarget ?? row.kickoff_target ?? undefined };
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
