import type { GateFailure, OpenQuestion } from './packet';

/** Each failed gate becomes a blocking question for the handoff owner. */
export function openQuestionsForGateFailures(failures: GateFailure[]): OpenQuestion[] {
  return failures.map((failure, i) => ({
    id: `gate-${i + 1}-${failure.code}`,
    question: failure.detail,
    askOf: 'handoff_owner' as const,
    blocking: true,
    gate: failure.code,
  }));
}
