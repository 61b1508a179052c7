import type { PoolClient } from 'pg';

// handoff_runs: every handoff id a deal has used, in order (migration 1737400000000). Read and
// written by POST /handoffs inside its per-deal locked transaction (src/db/transactions.ts).

export interface RunRow {
  handoff_id: string;
  run: number;
  bundle_hash: string | null;
}

export async function latestRun(db: PoolClient, dealId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>('SELECT handoff_id, run, bundle_hash FROM handoff_runs WHERE deal_id = $1 ORDER BY run DESC LIMIT 1', [dealId]);
  return rows[0];
}

export async function recordRun(
  db: PoolClient,
  run: { handoffId: string; dealId: string; run: number; bundleHash: string; startedBy: string; restartOf?: string },
): Promise<void> {
  await db.query('INSERT INTO handoff_runs (handoff_id, deal_id, run, bundle_hash, started_by, restart_of) VALUES ($1, $2, $3, $4, $5, $6)', [
    run.handoffId,
    run.dealId,
    run.run,
    run.bundleHash,
    run.startedBy,
    run.restartOf ?? null,
  ]);
}

/** The run's handoff and sales owner ids as its projection last showed them, else as its first bundle named them. */
export async function runOwnerIds(db: PoolClient, run: RunRow): Promise<Array<string | null>> {
  const projected = await db.query<{ ids: Array<string | null> }>('SELECT ARRAY[handoff_owner, sales_owner] AS ids FROM handoffs WHERE handoff_id = $1', [run.handoff_id]);
  const started = projected.rows[0]
    ? projected
    : await db.query<{ ids: Array<string | null> }>(
        "SELECT ARRAY[body->'owners'->'handoffOwner'->>'id', body->'owners'->'sales'->>'id'] AS ids FROM intake_bundles WHERE bundle_hash = $1",
        [run.bundle_hash],
      );
  return started.rows[0]?.ids ?? [];
}
