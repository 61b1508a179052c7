import { PILOT_ACCEPTANCE_THRESHOLD, type MeasurementKind } from '../../domain/measurement';
import { defineRoute } from '../route-table';
import { MeasurementSummary, MetricsQuery } from '../schemas';

// The pilot's measurement summary from measurement_events: acceptance against the 90% threshold,
// and the per-handoff signals of INTAKE.md, overall and per owner or month.

interface Row {
  group_key: string;
  handoff_id: string;
  kind: MeasurementKind;
  n: number;
  total: number;
}

interface Stat {
  events: number;
  total: number;
  average: number | null;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** One group's numbers from its per-handoff rows. */
function summarise(key: string, rows: Row[]) {
  const handoffs = new Set(rows.map((r) => r.handoff_id));
  const withKind = (kind: MeasurementKind) => new Set(rows.filter((r) => r.kind === kind).map((r) => r.handoff_id));
  const returned = withKind('missing_context_return');
  // Accepted means accepted without a missing-context return (INTAKE.md).
  const accepted = [...withKind('accepted')].filter((id) => !returned.has(id)).length;
  const decided = accepted + returned.size;
  const acceptanceRate = decided ? round(accepted / decided) : null;
  const stat = (kind: MeasurementKind): Stat => {
    const mine = rows.filter((r) => r.kind === kind);
    const events = mine.reduce((s, r) => s + r.n, 0);
    const total = mine.reduce((s, r) => s + r.total, 0);
    return { events, total: round(total), average: events ? round(total / events) : null };
  };
  const readiness = rows.filter((r) => r.kind === 'first_milestone_readiness');
  const met = readiness.reduce((s, r) => s + (r.total > 0 ? 1 : 0), 0);
  return {
    key,
    handoffs: handoffs.size,
    accepted,
    returnedForContext: returned.size,
    acceptanceRate,
    meetsPilotThreshold: acceptanceRate === null ? null : acceptanceRate >= PILOT_ACCEPTANCE_THRESHOLD,
    packetCompletion: stat('packet_completion'),
    openQuestionsBeforeKickoff: stat('open_questions_before_kickoff'),
    rework: stat('kickoff_rework'),
    expectationGaps: stat('expectation_gaps'),
    clarificationRequests: stat('clarification_requests'),
    milestoneReadiness: { met, notMet: readiness.length - met, rate: readiness.length ? round(met / readiness.length) : null },
  };
}

export const measurementSummary = defineRoute({
  method: 'get',
  path: '/metrics/handoffs',
  operationId: 'measurementSummary',
  summary: 'Measurement summary: acceptance rate against the pilot threshold, questions, rework, gaps, readiness',
  tag: 'metrics',
  auth: ['ops'],
  who: 'ops, admin',
  query: MetricsQuery,
  responses: { 200: { description: 'The summary', schema: MeasurementSummary } },
  async handler({ deps, query, res }) {
    const groupKey =
      query.groupBy === 'owner' ? "coalesce(owner, 'unassigned')" : query.groupBy === 'month' ? "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM')" : "'all'";
    // Per (group, handoff, kind): small, and enough to count distinct handoffs per group in TS.
    const { rows } = await deps.pool.query<Row>(
      `SELECT ${groupKey} AS group_key, handoff_id, kind, count(*)::int AS n, sum(value)::float8 AS total
         FROM measurement_events
        WHERE ($1::date IS NULL OR at >= $1::date) AND ($2::date IS NULL OR at < $2::date)
        GROUP BY 1, 2, 3`,
      [query.from ?? null, query.to ?? null],
    );
    const groups = new Map<string, Row[]>();
    for (const row of rows) groups.set(row.group_key, [...(groups.get(row.group_key) ?? []), row]);
    res.json({
      from: query.from ?? null,
      to: query.to ?? null,
      groupBy: query.groupBy ?? null,
      pilotThreshold: PILOT_ACCEPTANCE_THRESHOLD,
      overall: summarise('all', rows),
      groups: query.groupBy ? [...groups.keys()].sort().map((key) => summarise(key, groups.get(key)!)) : [],
    });
  },
});
