import type { HandoffState, QuestionState, ReviewItemState } from './review';

// Review progress as plain TypeScript: the workflow calls these, and importing only types from
// ./review keeps zod and the schemas out of the workflow bundle.

/** Items still waiting for a decision. */
export const pendingReviewItems = (state: Pick<HandoffState, 'reviewItems'>): ReviewItemState[] =>
  state.reviewItems.filter((item) => !item.decision);

export const unansweredBlockingQuestions = (state: Pick<HandoffState, 'openQuestions'>): QuestionState[] =>
  state.openQuestions.filter((q) => q.blocking && !q.answer);

/** Review is done when every blocking item is decided and every blocking question answered. */
export const isReviewComplete = (state: Pick<HandoffState, 'reviewItems' | 'openQuestions'>): boolean =>
  state.reviewItems.every((item) => !item.blocking || item.decision !== undefined) && unansweredBlockingQuestions(state).length === 0;

/** What a finished handoff returns to Temporal: how it ended, not its whole state (the read model keeps that). */
export type HandoffOutcome = Pick<HandoffState, 'handoffId' | 'dealId' | 'customerName' | 'stage' | 'packet' | 'release' | 'rework' | 'returnsForContext' | 'cancelled' | 'revision'>
  & { milestone?: { status?: string } };

export function outcomeOf(state: HandoffState): HandoffOutcome {
  const { handoffId, dealId, customerName, stage, packet, release, rework, returnsForContext, cancelled, revision } = state;
  return { handoffId, dealId, customerName, stage, packet, release, rework, returnsForContext, cancelled, revision, milestone: state.milestone && { status: state.milestone.status } };
}
