import type { HandoffInput } from './handoff-input';
import type { HandoffState } from './review';

// The state a handoff starts in, from its input alone. The workflow starts from it, and the API
// writes it to the read model in the transaction that records the run, so a handoff can be read
// (and authorized) from its first moment without asking the workflow. Type-only imports: the
// workflow bundle takes this file.

export function initialHandoffState(input: Pick<HandoffInput, 'handoffId' | 'dealId' | 'customerName' | 'bundleHash'>): HandoffState {
  return {
    handoffId: input.handoffId,
    dealId: input.dealId,
    customerName: input.customerName,
    stage: 'intake',
    bundleHash: input.bundleHash,
    gateFailures: [],
    reviewItems: [],
    openQuestions: [],
    signoffs: {},
    rework: 0,
    returnsForContext: 0,
  };
}

type Someone = { id: string } | null | undefined;

/** The owners as the read model keeps them: ids only. */
export function ownerIds(owners: { handoffOwner?: Someone; sales?: Someone; implementation?: Someone; escalation?: Someone }): { handoffOwner?: string; sales?: string; implementation?: string; escalation?: string } {
  return { handoffOwner: owners.handoffOwner?.id, sales: owners.sales?.id, implementation: owners.implementation?.id, escalation: owners.escalation?.id };
}
