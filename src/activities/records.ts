import type { Pool } from 'pg';
import type { HandoffStage } from '../domain/review';
import type { MeasurementEvent } from '../domain/measurement';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadModelGap, writeProgress, writeProgressChanges, type ProgressChanges, type ProgressRecord } from '../db/read-model';
import { storableJson } from '../db/safe-text';
import type { ActivityDeps } from './deps';

export interface ProjectionUpdate {
  handoffId: string;
  dealId: string;
  customerName: string;
  stage: HandoffStage;
  bundleHash: string;
  packetVersion?: number;
  handoffOwner?: string;
  salesOwner?: string;
  implementationOwner?: string;
  kickoffTarget?: string;
  /** People with pending items or questions: the inbox looks handoffs up by them. */
  assignees?: string[];
}

export interface DecisionRecord {
  requestId: string;
  handoffId: string;
  itemId: string;
  kind: 'review_decision' | 'signoff' | 'cancel' | 'owner_change' | 'milestone';
  principalId: string;
  decision: string;
  comment?: string;
  packetVersion?: number;
}

export function createRecordActivities({ pool }: ActivityDeps) {
  return {
    /** Keeps the list/search table in step with the workflow, which stays the source of truth. */
    // Bookkeeping never retries forever on text Postgres refuses (NUL, lone surrogates): it is made storable.
    async recordProjection(projection: ProjectionUpdate): Promise<void> {
      const p = storableJson({ ...projection, kickoffTarget: storableDate(projection.kickoffTarget) });
      await pool.query(
        `INSERT INTO handoffs (handoff_id, deal_id, customer_name, stage, bundle_hash, packet_version, handoff_owner, sales_owner, implementation_owner, kickoff_target, assignees)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
         ON CONFLICT (handoff_id) DO UPDATE SET stage = EXCLUDED.stage, bundle_hash = EXCLUDED.bundle_hash,
           packet_version = COALESCE(EXCLUDED.packet_version, handoffs.packet_version),
           handoff_owner = EXCLUDED.handoff_owner, sales_owner = EXCLUDED.sales_owner,
           implementation_owner = EXCLUDED.implementation_owner, kickoff_target = EXCLUDED.kickoff_target,
           assignees = EXCLUDED.assignees, updated_at = now()`,
        [p.handoffId, p.dealId, p.customerName, p.stage, p.bundleHash, p.packetVersion ?? null, p.handoffOwner ?? null, p.salesOwner ?? null, p.implementationOwner ?? null, p.kickoffTarget ?? null, p.assignees ?? []],
      );
    },

    /** Audit rows, measurements and the read model of one step of the workflow, in one transaction. */
    async recordProgress(progress: ProgressRecord | ProgressChanges): Promise<void> {
      if (!('changes' in progress)) {
        await writeProgress(pool, storableJson({ ...progress, kickoffTarget: storableDate(progress.kickoffTarget) }));
        return;
      }
      await writeProgressInOrder(pool, progress);
    },

    async recordDecision(decision: DecisionRecord): Promise<void> {
      const d = storableJson(decision);
      await pool.query(
        `INSERT INTO review_decisions (request_id, handoff_id, item_id, kind, principal_id, decision, comment, packet_version)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (request_id) DO NOTHING`,
        [d.requestId, d.handoffId, d.itemId, d.kind, d.principalId, d.decision, d.comment ?? null, d.packetVersion ?? null],
      );
    },

    async recordMeasurement(event: MeasurementEvent): Promise<void> {
      const e = storableJson(event);
      await pool.query(
        `INSERT INTO measurement_events (key, handoff_id, deal_id, kind, value, owner, detail, at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (key) DO NOTHING`,
        [e.key, e.handoffId, e.dealId, e.kind, e.value, e.owner ?? null, e.detail, e.at],
      );
    },
  };
}

/** A kickoff date Postgres takes (years 1-9999), or none: the projection is a read model, not the gate. */
function storableDate(day: string | undefined): string | undefined {
  const year = day && /^(\d{4})-\d{2}-\d{2}$/.exec(day)?.[1];
  return year && Number(year) >= 1 && !Number.isNaN(Date.parse(day!)) ? day : undefined;
}

/**
 * Writes the workflow's changes. They build on its previous write, which the workflow sends first;
 * should it still be on its way (a retry after a lost worker), wait a moment, then leave it to the
 * retry policy. Stage activities call it too: their stage's entry travels with them.
 */
export async function writeProgressInOrder(pool: Pool, progress: ProgressChanges): Promise<void> {
  const changes = storableJson(progress);
  for (let wait = 25; ; wait *= 2) {
    try {
      await writeProgressChanges(pool, changes);
      return;
    } catch (err) {
      if (!(err instanceof ReadModelGap) || wait > 100) throw err;
      await sleep(wait);
    }
  }
}
