import type { Pool } from 'pg';
import { measurementKinds, type MeasurementKind } from '../domain/measurement';

// The measurement summary aggregated in Postgres: per group (all, an owner or a month) the handoffs,
// accepted and returned handoffs, the sum and count of each kind, and milestone readiness. The
// all-time summary (the usual request) reads measurement_contributions, one row per handoff and
// group that a trigger on measurement_events keeps current (migration 1737900000000); a date range
// aggregates the range's events. One statement either way; the route only rounds and names the figures.

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

/** Events from `from` (inclusive) to `to` (exclusive), dates; groups are owners or UTC months. */
export async function summarizeMeasurements(pool: Pool, range: { from?: string; to?: string }, groupBy: SummaryGrouping): Promise<MeasurementFigures> {
  if (range.from !== undefined || range.to !== undefined) return summarizeEvents(pool, range, groupBy);
  const figures = await sumContributions(pool, groupBy);
  const overall = figures.find((f) => f.key === undefined);
  return { overall: { ...(overall ?? empty('all')), key: 'all' }, groups: figures.filter((f) => f.key !== undefined) as GroupFigures[] };
}

// n_<kind> and sum_<kind> for each kind of the domain: the columns of measurement_contributions.
const kindSums = measurementKinds.map((k) => `sum(n_${k})::int AS n_${k}, sum(sum_${k})::float8 AS sum_${k}`).join(', ');

/**
 * Each group's figures over all time (key undefined: the overall figures), in one statement so
 * both come from one snapshot. A handoff contributes one row per group: a plain sum.
 */
async function sumContributions(pool: Pool, groupBy: SummaryGrouping): Promise<Array<Omit<GroupFigures, 'key'> & { key?: string }>> {
  const { rows } = await pool.query<{ grouped_by: string; key: string; handoffs: number; accepted: number; returned: number; met: number; reported: number } & Record<string, number>>(
    `SELECT grouped_by, key, count(*)::int AS handoffs,
            -- Accepted means accepted without a missing-context return (INTAKE.md).
            count(*) FILTER (WHERE n_accepted > 0 AND n_missing_context_return = 0)::int AS accepted,
            count(*) FILTER (WHERE n_missing_context_return > 0)::int AS returned,
            count(*) FILTER (WHERE sum_first_milestone_readiness > 0)::int AS met,
            count(*) FILTER (WHERE n_first_milestone_readiness > 0)::int AS reported,
            ${kindSums}
       FROM measurement_contributions WHERE grouped_by IN ('all', $1)
      GROUP BY grouped_by, key ORDER BY grouped_by, key`,
    [groupBy ?? 'all'],
  );
  return rows.map((r) => {
    const kinds: GroupFigures['kinds'] = {};
    for (const k of measurementKinds) if (r[`n_${k}`] > 0) kinds[k] = [r[`n_${k}`], r[`sum_${k}`]];
    return { key: r.grouped_by === 'all' ? undefined : r.key, handoffs: r.handoffs, accepted: r.accepted, returned: r.returned, readinessMet: r.met, readinessReported: r.reported, kinds };
  });
}

/** A date range: aggregates the range's events (index on at). */
async function summarizeEvents(pool: Pool, range: { from?: string; to?: string }, groupBy: SummaryGrouping): Promise<MeasurementFigures> {
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
