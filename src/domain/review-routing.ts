import type { IntakeBundle } from './intake';
import type { Citation, ImpliedPromise, ReviewCategory, ReviewItem } from './packet';

// Every implied promise and every unowned dependency goes to a named reviewer. The routing table is
// configuration; by default the implementation owner reviews everything, then the handoff owner.

export type ReviewRouting = (category: ReviewCategory) => string | undefined;

export function defaultReviewer(bundle: IntakeBundle): string {
  const { implementation, handoffOwner, sales } = bundle.owners;
  return implementation?.id ?? handoffOwner?.id ?? sales?.id ?? 'unassigned';
}

export interface UnownedDependency {
  dependency: string;
  sources: Citation[];
}

export function reviewItemsFor(
  promises: ImpliedPromise[],
  unowned: UnownedDependency[],
  bundle: IntakeBundle,
  routing?: ReviewRouting,
): ReviewItem[] {
  const routeTo = (category: ReviewCategory): string => routing?.(category) || defaultReviewer(bundle);
  const items: Array<Omit<ReviewItem, 'id'>> = [
    ...promises.map((p) => ({
      category: p.category,
      summary: `${reasonLabel[p.reason]}: ${p.statement}`,
      routeTo: routeTo(p.category),
      blocking: true,
      sources: p.sources,
    })),
    ...unowned.map((d) => ({
      category: 'dependency_owner' as const,
      summary: `Nobody is assigned: ${d.dependency}. Decide who owns it.`,
      routeTo: routeTo('dependency_owner'),
      blocking: true,
      sources: d.sources,
    })),
  ];
  return items.map((item, i) => ({ id: `r${i + 1}`, ...item }));
}

const reasonLabel: Record<ImpliedPromise['reason'], string> = {
  'not in contract': 'Promised but not in the contract',
  'exceeds contract': 'Goes beyond the contract',
  'vague commitment': 'Vague commitment',
};
