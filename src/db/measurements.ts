import type { Pool } from 'pg';
import type { MeasurementKind } from '../domain/measurement';

// The measurement summary aggregated in Postgres: per group (all, an owner or a month) the handoffs,
// accepted and returned handoffs, the sum and count of each kind, and milestone readiness. One
// statement, linear in the events; the route only rounds and names the figures.

export type SummaryGrouping = 'owner' | 'month' | undefined;

export interface GroupFigures {
  /** 'all' for the whole range, else the owner id ('unassigned' when none) or the month YYYY-MM. */
  key: string;
  handoffs: number;
  accepted: number;
  returned: number;
  readinessMet: number;
  readinessReported: number;
  /** Per kind: [events, sum of values]. */
  kinds: Partial<Record<MeasurementKind, [number, number]>>;
}

const groupKeys = {
  owner: "coalesce(owner, 'unassigned')",
  // Truncated here, formatted once per group at the end: cheaper than formatting every event.
  month: "date_trunc('month', at AT TIME ZONE 'UTC')",
} as const;

export interface MeasurementFigures {
  overall: GroupFigures;
  /** One per group when grouped, sorted by key. */
  groups: GroupFigures[];
}

const empty = (key: string): GroupFigures => ({ key, handoffs: 0, accepted: 0, returned: 0, readinessMet: 0, readinessReported: 0, kinds: {} });

export async function summarizeMeasurements(pool: Pool, range: { from?: string; to?: string }, groupBy: SummaryGrouping): Promise<MeasurementFigures> {
  // The grouping set without the group key gives the overall rows (key NULL), so a handoff seen in
  // two groups (its owner changed, or it spans two months) still counts once overall.
  const key = groupBy ? 'CASE WHEN grouping(g) = 1 THEN NULL ELSE g END' : 'NULL::text';
  const by = groupBy ? 'GROUPING SETS ((g, handoff_id, kind), (handoff_id, kind))' : 'handoff_id, kind';
  const db = await pool.connect();
  let broken: Error | undefined;
  try {
  await db.query('BEGIN READ ONLY');
  // The per-handoff hash aggregates outgrow the default 4 MB at ~100k events and would spill to disk.
  await db.query("SET LOCAL work_mem = '64MB'");
  const { rows } = await db.query<{ key: string | null; handoffs: number; accepted: number; returned: number; met: number; reported: number; kinds: Record<string, [number, number]> }>(
    `WITH events AS (
       SELECT ${groupBy ? `(${groupKeys[groupBy]})::text` : 'NULL::text'} AS g, handoff_id, kind, value
         FROM measurement_events
        WHERE ($1::date IS NULL OR at >= $1::date) AND ($2::date IS NULL OR at < $2::date)
     ), per_kind AS (
       SELECT ${key} AS key, handoff_id, kind, count(*) AS n, sum(value) AS total
         FROM events GROUP BY ${by}
     ), per_handoff AS (
       SELECT key, handoff_id,
              bool_or(kind = 'accepted') AS accepted,
              bool_or(kind = 'missing_context_return') AS returned,
              bool_or(kind = 'first_milestone_readiness') AS reported,
              bool_or(kind = 'first_milestone_readiness' AND total > 0) AS met
         FROM per_kind GROUP BY key, handoff_id
     ), per_group AS (
       SELECT key, count(*)::int AS handoffs,
              count(*) FILTER (WHERE accepted AND NOT returned)::int AS accepted,
              count(*) FILTER (WHERE returned)::int AS returned,
              count(*) FILTER (WHERE met)::int AS met,
              count(*) FILTER (WHERE reported)::int AS reported
         FROM per_handoff GROUP BY key
     ), kinds AS (
       SELECT key, jsonb_object_agg(kind, jsonb_build_array(events, total)) AS kinds
         FROM (SELECT key, kind, sum(n)::int AS events, sum(total)::float8 AS total FROM per_kind GROUP BY key, kind) k
        GROUP BY key
     )
     SELECT ${groupBy === 'month' ? `to_char(g.key::timestamp, 'YYYY-MM')` : 'g.key'} AS key, g.handoffs, g.accepted, g.returned, g.met, g.reported, k.kinds
       FROM per_group g JOIN kinds k ON k.key IS NOT DISTINCT FROM g.key
      ORDER BY g.key NULLS FIRST`,
    [range.from ?? null, range.to ?? null],
  );
  await db.query('COMMIT');
  const figures = rows.map((r): GroupFigures => ({
    key: r.key ?? 'all', handoffs: r.handoffs, accepted: r.accepted, returned: r.returned, readinessMet: r.met, readinessReported: r.reported,
    kinds: r.kinds as GroupFigures['kinds'],
  }));
  const overall = rows[0]?.key === null ? figures[0] : empty('all');
  return { overall, groups: rows[0]?.key === null ? figures.slice(1) : figures };
  } catch (err) {
    await db.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    db.release(broken);
  }
}
