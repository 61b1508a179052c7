import type { Pool, PoolClient } from 'pg';
import type { HandoffState } from '../domain/review';
import type { DecisionRecord } from '../activities/records';
import type { MeasurementEvent } from '../domain/measurement';

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

/**
 * Writes one step of the workflow's progress in one transaction: audit rows and measurements (each
 * once, by its key), then the handoff's row and pending items, but only when this revision is newer
 * than the stored one, so a late retry of an older step never overwrites newer state.
 * Also keeps the columns the older projection (`recordProjection`) wrote, so lists stay as they were.
 * Answers whether the read model took this revision.
 */
export async function writeProgress(pool: Pool, progress: ProgressRecord): Promise<boolean> {
  const { state, owners } = progress;
  const db = await pool.connect();
  let broken: Error | undefined;
  try {
    await db.query('BEGIN');
    if (progress.decisions.length) {
      await db.query(
        `INSERT INTO review_decisions (request_id, handoff_id, item_id, kind, principal_id, decision, comment, packet_version)
         SELECT "requestId", "handoffId", "itemId", kind, "principalId", decision, comment, "packetVersion"
           FROM jsonb_to_recordset($1::jsonb) AS d("requestId" text, "handoffId" text, "itemId" text, kind text, "principalId" text, decision text, comment text, "packetVersion" integer)
         ON CONFLICT (request_id) DO NOTHING`,
        [JSON.stringify(progress.decisions)],
      );
    }
    if (progress.measurements.length) {
      await db.query(
        `INSERT INTO measurement_events (key, handoff_id, deal_id, kind, value, owner, detail, at)
         SELECT key, "handoffId", "dealId", kind, value, owner, coalesce(detail, '{}'), at
           FROM jsonb_to_recordset($1::jsonb) AS m(key text, "handoffId" text, "dealId" text, kind text, value double precision, owner text, detail jsonb, at timestamptz)
         ON CONFLICT (key) DO NOTHING`,
        [JSON.stringify(progress.measurements)],
      );
    }
    const assignees = [...new Set(progress.pending.map((p) => p.assignee))];
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
        progress.handoffId, progress.dealId, progress.customerName, state.stage, state.bundleHash, state.packet?.version ?? null,
        owners.handoffOwner ?? null, owners.sales ?? null, owners.implementation ?? null, owners.escalation ?? null,
        progress.kickoffTarget ?? null, assignees, JSON.stringify(owners), JSON.stringify(state), progress.revision,
      ],
    );
    const newer = taken.rowCount === 1;
    if (newer) {
      await db.query('DELETE FROM pending_items WHERE handoff_id = $1', [progress.handoffId]);
      if (progress.pending.length) {
        await db.query(
          `INSERT INTO pending_items (handoff_id, item_id, kind, assignee, summary, blocking, since, due_at, escalated)
           SELECT $1, "itemId", kind, assignee, summary, coalesce(blocking, false), nullif(since, '')::timestamptz, nullif("dueAt", '')::timestamptz, coalesce(escalated, false)
             FROM jsonb_to_recordset($2::jsonb) AS p("itemId" text, kind text, assignee text, summary text, blocking boolean, since text, "dueAt" text, escalated boolean)
           ON CONFLICT DO NOTHING`,
          [progress.handoffId, JSON.stringify(progress.pending)],
        );
      }
    }
    await db.query('COMMIT');
    return newer;
  } catch (err) {
    await db.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    db.release(broken);
  }
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
