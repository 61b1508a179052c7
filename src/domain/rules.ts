import type {
  AddEvidenceInput,
  AnswerQuestionInput,
  CancelInput,
  ChangeOwnersInput,
  HandoffState,
  MilestoneStatusInput,
  RequestChangesInput,
  ReturnForContextInput,
  ReviewDecisionInput,
  SignoffInput,
} from './review';
import type { Owners, Person } from './intake';

// Who may do what, and when: checked by the workflow's update validators, so a refused request
// never enters history. Pure, so every rule is unit-tested without a server.

export type ViolationKind = 'not_found' | 'forbidden' | 'conflict';

export class HandoffRuleViolation extends Error {
  constructor(readonly kind: ViolationKind, message: string) {
    super(message);
    this.name = 'HandoffRuleViolation';
  }
}

const violation = (kind: ViolationKind, message: string): never => {
  throw new HandoffRuleViolation(kind, message);
};

/** Stages from which a packet can be sent back for a redraft or for context. */
const sentBackFrom: string[] = ['in_review', 'awaiting_signoff', 'kickoff_release'];

const isFinished = (state: HandoffState) => state.stage === 'completed' || state.stage === 'cancelled';

export function checkReviewDecision(state: HandoffState, input: ReviewDecisionInput): void {
  const item = state.reviewItems.find((i) => i.id === input.itemId);
  if (!item) violation('not_found', `no review item ${input.itemId}`);
  if (state.stage !== 'in_review') violation('conflict', `the handoff is ${state.stage}, not in review`);
  if (item!.routeTo !== input.actor.id) violation('forbidden', `item ${input.itemId} is routed to someone else`);
  if (item!.decision) violation('conflict', `item ${input.itemId} was already decided`);
  if (input.packetVersion !== state.packet?.version) {
    violation('conflict', `packet version ${input.packetVersion} is stale; the current version is ${state.packet?.version}`);
  }
}

export function checkSignoff(state: HandoffState, input: SignoffInput, owners: { sales?: Person | null; implementation?: Person | null }): void {
  const owner = input.role === 'implementation' ? owners.implementation : owners.sales;
  if (!owner || owner.id !== input.actor.id) violation('forbidden', `only the named ${input.role} owner signs for ${input.role}`);
  // Two signatures are two people: whoever gave one never gives the other, even when named for both.
  const other = input.role === 'implementation' ? 'sales' : 'implementation';
  if (state.signoffs[other]?.by === input.actor.id) {
    violation('forbidden', `you signed for ${other}; the ${input.role} signoff must come from someone else (change owners with POST /handoffs/{id}/owners)`);
  }
  if (state.stage !== 'awaiting_signoff') violation('conflict', `the handoff is ${state.stage}, not awaiting signoff`);
  if (input.packetVersion !== state.packet?.version || input.packetHash !== state.packet?.hash) {
    violation('conflict', `signoff names packet v${input.packetVersion}; the current packet is v${state.packet?.version} (${state.packet?.hash})`);
  }
}

export function checkAddEvidence(state: HandoffState, input: AddEvidenceInput, owners: { handoffOwner?: Person | null; sales?: Person | null }): void {
  if (isFinished(state)) violation('conflict', `the handoff is ${state.stage}`);
  const allowed = isAdminOrOps(input.actor) || [owners.handoffOwner?.id, owners.sales?.id].includes(input.actor.id);
  if (!allowed) violation('forbidden', 'only the handoff owner, sales, ops or an admin add evidence');
  // Owners change only through changeOwners (checked and audited); evidence once let sales name itself implementation owner.
  if (input.owners) violation('forbidden', 'owners change through the changeOwners update (POST /handoffs/{id}/owners), not with evidence');
}

export function checkCancel(state: HandoffState, input: CancelInput, owners: { handoffOwner?: Person | null }): void {
  if (isFinished(state)) violation('conflict', `the handoff is already ${state.stage}`);
  const allowed = isAdminOrOps(input.actor) || owners.handoffOwner?.id === input.actor.id;
  if (!allowed) violation('forbidden', 'only the handoff owner, ops or an admin cancel a handoff');
}

const isAdminOrOps = (actor: { roles: string[] }) => actor.roles.some((r) => r === 'admin' || r === 'ops');

export function checkAnswer(state: HandoffState, input: AnswerQuestionInput, owners: Owners): void {
  const question = state.openQuestions.find((q) => q.id === input.questionId);
  if (!question) violation('not_found', `no open question ${input.questionId}`);
  if (isFinished(state)) violation('conflict', `the handoff is ${state.stage}`);
  if (question!.answer) violation('conflict', `question ${input.questionId} was already answered`);
  // The person asked answers, or the handoff owner, who relays for the buyer.
  if (input.actor.id !== question!.askedOf && input.actor.id !== owners.handoffOwner?.id) {
    violation('forbidden', `question ${input.questionId} is asked of someone else`);
  }
}

/** Changes are asked for during review by a reviewer with items on this packet, or the implementation owner. */
export function checkRequestChanges(state: HandoffState, input: RequestChangesInput, owners: Owners): void {
  // kickoff_release too: a release blocked for a reason no review item explains waits for a redraft.
  if (!sentBackFrom.includes(state.stage)) violation('conflict', `the handoff is ${state.stage}, not in review`);
  const reviews = state.reviewItems.some((i) => i.routeTo === input.actor.id) || owners.implementation?.id === input.actor.id;
  if (!reviews) violation('forbidden', 'only a reviewer of this packet or the implementation owner asks for changes');
  if (input.packetVersion !== state.packet?.version) violation('conflict', `packet version ${input.packetVersion} is stale; the current version is ${state.packet?.version}`);
}

/** Only the implementation owner sends a handoff back for missing context. */
export function checkReturnForContext(state: HandoffState, input: ReturnForContextInput, owners: Owners): void {
  if (owners.implementation?.id !== input.actor.id) violation('forbidden', 'only the implementation owner returns a handoff for context');
  if (!sentBackFrom.includes(state.stage)) violation('conflict', `the handoff is ${state.stage}; only a packet in review, awaiting signoff or blocked at release can be returned`);
}

/** The delivery side reports the first milestone: the implementation owner, the handoff owner, ops or an admin. */
export function checkMilestoneStatus(state: HandoffState, input: MilestoneStatusInput, owners: Owners): void {
  const reports = isAdminOrOps(input.actor) || [owners.implementation?.id, owners.handoffOwner?.id].includes(input.actor.id);
  if (!reports) violation('forbidden', 'only the implementation owner, the handoff owner, ops or an admin report milestone status');
  if (state.stage !== 'first_milestone') violation('conflict', `the handoff is ${state.stage}, not following its first milestone`);
}

/**
 * Owner changes: ops, an admin or the handoff owner, on an open handoff. The owners after the
 * change never name one person for both sales and implementation: those are two signoffs.
 */
export function checkChangeOwners(state: HandoffState, input: ChangeOwnersInput, owners: Owners): void {
  const allowed = isAdminOrOps(input.actor) || owners.handoffOwner?.id === input.actor.id;
  if (!allowed) violation('forbidden', 'only the handoff owner, ops or an admin change owners');
  if (isFinished(state)) violation('conflict', `the handoff is ${state.stage}`);
  const after = { ...owners, ...input.owners };
  if (after.sales?.id && after.sales.id === after.implementation?.id) {
    violation('conflict', `${after.sales.id} would be both sales and implementation owner; the two signoffs come from two people`);
  }
}
