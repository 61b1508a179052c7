import { PILOT_ACCEPTANCE_THRESHOLD, type MeasurementKind } from '../../domain/measurement';
import { summarizeMeasurements, type GroupFigures } from '../../db/measurements';
import { defineRoute } from '../route-table';
import { MeasurementSummary, MetricsQuery } from '../schemas';

// The pilot's measurement summary from measurement_events: acceptance against the 90% threshold,
// and the per-handoff signals of INTAKE.md, overall and per owner or month, aggregated in SQL
// (src/db/measurements.ts).

const round = (x: number) => Math.round(x * 1000) / 1000;

/** One group's figures, as Postgres aggregated them, named and rounded. */
function present(f: GroupFigures) {
  const decided = f.accepted + f.returned;
  // Accepted means accepted without a missing-context return (INTAKE.md): the SQL counts it so.
  const acceptanceRate = decided ? round(f.accepted / decided) : null;
  const stat = (kind: MeasurementKind) => {
    const [events, total] = f.kinds[kind] ?? [0, 0];
    return { events, total: round(total), average: events ? round(total / events) : null };
  };
  return {
    key: f.key,
    handoffs: f.handoffs,
    accepted: f.accepted,
    returnedForContext: f.returned,
    acceptanceRate,
    meetsPilotThreshold: acceptanceRate === null ? null : acceptanceRate >= PILOT_ACCEPTANCE_THRESHOLD,
    packetCompletion: stat('packet_completion'),
    openQuestionsBeforeKickoff: stat('open_questions_before_kickoff'),
    rework: stat('kickoff_rework'),
    expectationGaps: stat('expectation_gaps'),
    clarificationRequests: stat('clarification_requests'),
    milestoneReadiness: {
      met: f.readinessMet,
      notMet: f.readinessReported - f.readinessMet,
      rate: f.readinessReported ? round(f.readinessMet / f.readinessReported) : null,
    },
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
    const { overall, groups } = await summarizeMeasurements(deps.pool, { from: query.from, to: query.to }, query.groupBy);
    res.json({
      from: query.from ?? null,
      to: query.to ?? null,
      groupBy: query.groupBy ?? null,
      pilotThreshold: PILOT_ACCEPTANCE_THRESHOLD,
      overall: present(overall),
      groups: groups.map(present),
    });
  },
});
