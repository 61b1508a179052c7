import type { HandoffState } from '../../src/domain/review';
import type { PendingItem, ProgressRecord } from '../../src/db/read-model';

// A ProgressRecord as the workflow writes it, for tests that fill the read model themselves
// (no worker): the worked example's owners, one review item routed to u-chen.

export function progressFixture(handoffId: string, revision: number, over: Partial<ProgressRecord> & { stage?: HandoffState['stage'] } = {}): ProgressRecord {
  const { stage = 'in_review', ...rest } = over;
  const routedAt = '2026-11-20T09:00:00.000Z';
  const state: HandoffState = {
    handoffId,
    dealId: handoffId.replace(/^handoff-/, ''),
    customerName: 'Read Model Co',
    stage,
    packet: { version: 1, hash: `sha256:${'a'.repeat(64)}`, draftedBy: 'rules', completeness: 1, impliedPromises: 1 },
    gateFailures: [],
    reviewItems: [
      { id: 'r1', category: 'timeline_commitment', summary: `Promise of rev ${revision}`, routeTo: 'u-chen', blocking: true, routedAt, remindAt: '2026-11-21T09:00:00.000Z', escalateAt: '2026-11-22T09:00:00.000Z' },
    ],
    openQuestions: [],
    bundleHash: `sha256:${'b'.repeat(64)}`,
    rework: 0,
    returnsForContext: 0,
    signoffs: {},
    kickoffTarget: '2026-12-03',
  };
  const pending: PendingItem[] = [
    { itemId: 'r1', kind: 'review_item', assignee: 'u-chen', summary: `Promise of rev ${revision}`, blocking: true, since: routedAt, dueAt: '2026-11-22T09:00:00.000Z', escalated: false },
  ];
  return {
    handoffId,
    revision,
    state,
    dealId: state.dealId,
    customerName: state.customerName,
    owners: { handoffOwner: 'u-ana', sales: 'u-ben', implementation: 'u-chen', escalation: 'u-ana' },
    kickoffTarget: '2026-12-03',
    pending,
    decisions: [],
    measurements: [],
    ...rest,
  };
}
