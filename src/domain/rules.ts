import type { AddEvidenceInput, CancelInput, HandoffState, ReviewDecisionInput, SignoffInput } from './review';
import type { Person } from './intake';

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
  if (state.stage !== 'awaiting_signoff') violation('conflict', `the handoff is ${state.stage}, not awaiting signoff`);
  if (input.packetVersion !== state.packet?.version || input.packetHash !== state.packet?.hash) {
    violation('conflict', `signoff names packet v${input.packetVersion}; the current packet is v${state.packet?.version} (${state.packet?.hash})`);
  }
}

export function checkAddEvidence(state: HandoffState, input: AddEvidenceInput, owners: { handoffOwner?: Person | null; sales?: Person | null }): void {
  if (isFinished(state)) violation('conflict', `the handoff is ${state.stage}`);
  const allowed = input.actor.roles.some((r) => r === 'admin' || r === 'ops') || [owners.handoffOwner?.id, owners.sales?.id].includes(input.actor.id);
  if (!allowed) violation('forbidden', 'only the handoff owner, sales, ops or an admin add evidence');
}

export function checkCancel(state: HandoffState, input: CancelInput, owners: { handoffOwner?: Person | null }): void {
  if (isFinished(state)) violation('conflict', `the handoff is already ${state.stage}`);
  const allowed = input.actor.roles.some((r) => r === 'admin' || r === 'ops') || owners.handoffOwner?.id === input.actor.id;
  if (!allowed) violation('forbidden', 'only the handoff owner, ops or an admin cancel a handoff');
}
