import type { PendingItem } from '../db/read-model';
import type { HandoffState } from './review';

// What waits for whom, derived from the workflow's state for the inbox read model. Plain
// TypeScript: the workflow imports it.

/** Every review item, blocking question and signoff that waits for one person, with its next follow-up. */
export function pendingItems(state: HandoffState, owners: { sales?: { id: string } | null; implementation?: { id: string } | null }): PendingItem[] {
  const items: PendingItem[] = [];
  const nextOf = (f: { remindAt?: string; escalateAt?: string }) => [f.remindAt, f.escalateAt].filter((t): t is string => !!t).sort()[0];
  if (state.stage === 'in_review') {
    for (const item of state.reviewItems.filter((i) => !i.decision)) {
      items.push({
        itemId: item.id, kind: 'review_item', assignee: item.routeTo, summary: item.summary, blocking: item.blocking,
        since: item.routedAt, dueAt: nextOf(item), escalated: (item.notices?.escalations ?? 0) > 0,
      });
    }
  }
  if (state.stage !== 'completed' && state.stage !== 'cancelled') {
    for (const q of state.openQuestions.filter((q) => q.blocking && !q.answer && q.askedOf)) {
      items.push({
        itemId: q.id, kind: 'question', assignee: q.askedOf!, summary: q.question, blocking: true,
        since: q.askedAt, dueAt: nextOf(q), escalated: (q.notices?.escalations ?? 0) > 0,
      });
    }
  }
  if (state.stage === 'awaiting_signoff' && state.packet) {
    for (const role of ['sales', 'implementation'] as const) {
      const owner = owners[role]?.id;
      if (owner && !state.signoffs[role]) {
        items.push({
          itemId: `signoff:${role}`, kind: 'signoff', assignee: owner, summary: `Sign packet v${state.packet.version} for ${role}`,
          blocking: true, since: state.stageEnteredAt ?? '', escalated: false,
        });
      }
    }
  }
  return items;
}
