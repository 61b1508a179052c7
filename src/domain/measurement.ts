import { z } from 'zod';

// Measurement events of INTAKE.md: one row each, summarised by GET /metrics/handoffs.

export const measurementKinds = [
  'packet_completion',
  'open_questions_before_kickoff',
  'kickoff_rework',
  'expectation_gaps',
  'first_milestone_readiness',
  'clarification_requests',
  'missing_context_return',
  'accepted',
] as const;
export const MeasurementKind = z.enum(measurementKinds);
export type MeasurementKind = z.infer<typeof MeasurementKind>;

export const MeasurementEvent = z.object({
  handoffId: z.string(),
  dealId: z.string(),
  kind: MeasurementKind,
  /** A score (packet_completion), a count, or 1/0 for met/not met. */
  value: z.number(),
  /** Who the event is about (the implementation owner, usually), for per-owner summaries. */
  owner: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).default({}),
  /** Makes the write idempotent: the same key is recorded once. */
  key: z.string(),
  at: z.iso.datetime({ offset: true }),
});
export type MeasurementEvent = z.infer<typeof MeasurementEvent>;

/** The pilot threshold of the brief: 90% of handoffs accepted without a missing-context return. */
export const PILOT_ACCEPTANCE_THRESHOLD = 0.9;
