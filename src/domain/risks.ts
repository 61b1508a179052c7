import type { DependencyDraft } from './dependencies';
import type { InfeasiblePromise } from './feasibility';
import type { Citation, GateFailure, ImpliedPromise, ReviewItem } from './packet';
import type { Urgency } from './buyer';
import { summarize } from './text';

// Risks a delivery lead should see first: sources that disagree, promises the contract's own
// estimate cannot meet, promises beyond the contract, dated commitments, and work nobody owns.
// Each refers to the review item or question that holds the finding instead of repeating it.

export interface RiskDraft {
  risk: string;
  severity: 'high' | 'medium' | 'low';
  sources: Citation[];
}

export interface RiskInputs {
  failures: GateFailure[];
  promises: ImpliedPromise[];
  infeasible: InfeasiblePromise[];
  dependencies: DependencyDraft[];
  urgency: Urgency;
  /** The review item of each promise / unowned dependency, by the finding's first quote. */
  reviewItems: ReviewItem[];
  /** The blocking question of each unowned dependency, in the same order as the unowned dependencies. */
  questions?: Array<{ id: string }>;
}

export function risksOf({ failures, promises, infeasible, dependencies, urgency, reviewItems, questions = [] }: RiskInputs): RiskDraft[] {
  const risks: RiskDraft[] = [];
  const itemOf = (sources: Citation[], category?: string): string => {
    const item = reviewItems.find((i) => (!category || i.category === category) && i.sources[0]?.quote === sources[0]?.quote);
    return item ? ` (review item ${item.id})` : '';
  };
  for (const f of failures) {
    if (f.code === 'contradiction' && f.sources.length > 0) risks.push({ risk: `Sources disagree. ${f.detail}`, severity: 'high', sources: f.sources });
  }
  for (const p of promises) {
    const late = infeasible.find((i) => i.promise.statement === p.statement && i.promise.category === p.category);
    if (late) {
      risks.push({
        risk: `The promised date cannot be met${itemOf(p.sources, p.category)}: promised by ${late.promisedBy}, but the contract's own estimate, "${late.estimate.text}", counted from the kickoff on ${late.kickoff} ends on ${late.earliest} at the earliest.`,
        severity: 'high',
        sources: [p.sources[0], ...late.sources],
      });
    } else if (p.reason === 'exceeds contract') {
      risks.push({ risk: `The buyer expects more than the contract covers${itemOf(p.sources, p.category)}: ${summarize(p.statement, 120)}`, severity: 'high', sources: p.sources });
    } else if (p.category === 'timeline_commitment') {
      risks.push({ risk: `A date was committed outside the contract${itemOf(p.sources, p.category)}: ${summarize(p.statement, 120)}`, severity: urgency === 'low' ? 'medium' : 'high', sources: p.sources });
    }
  }
  for (const [i, d] of dependencies.filter((d) => d.owner === 'unassigned').entries()) {
    const held = itemOf(d.sources, 'dependency_owner') || (questions[i] ? ` (question ${questions[i].id})` : '');
    risks.push({ risk: `Work may stall: nobody owns "${summarize(d.dependency, 120)}"${held}.`, severity: 'medium', sources: d.sources });
  }
  return risks;
}
