import type { IntakeBundle } from './intake';
import type { ImpliedPromise, ReviewCategory, ReviewItem } from './packet';

// Every implied promise goes to a named reviewer. The routing table is configuration; by default
// the implementation owner reviews everything, then the handoff owner. An unowned dependency is not
// a review item: it is a blocking question to the handoff owner (./owner-questions), since
// approving or rejecting cannot say who owns it. Packets drafted before still carry dependency_owner
// items, which the workflow handles like any other item.

export type ReviewRouting = (category: ReviewCategory) => string | undefined;

export function defaultReviewer(bundle: IntakeBundle): string {
  const { implementation, handoffOwner, sales } = bundle.owners;
  return implementation?.id ?? handoffOwner?.id ?? sales?.id ?? 'unassigned';
}

export function reviewItemsFor(promises: ImpliedPromise[], bundle: IntakeBundle, routing?: ReviewRouting): ReviewItem[] {
  const routeTo = (category: ReviewCategory): string => routing?.(category) || defaultReviewer(bundle);
  return promises.map((p, i) => ({
    id: `r${i + 1}`,
    category: p.category,
    summary: `${reasonLabel[p.reason]}: ${p.statement}`,
    routeTo: routeTo(p.category),
    blocking: true,
    sources: p.sources,
  }));
}

const reasonLabel: Record<ImpliedPromise['reason'], string> = {
  'not in contract': 'Promised but not in the contract',
  'exceeds contract': 'Goes beyond the contract',
  'vague commitment': 'Vague commitment',
};
