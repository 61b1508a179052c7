import type { DependencyDraft } from './dependencies';
import type { Citation, GateFailure, ImpliedPromise } from './packet';
import type { Urgency } from './buyer';

// Risks a delivery lead should see first: sources that disagree, promises beyond the contract,
// dated commitments, and work nobody owns.

export interface RiskDraft {
  risk: string;
  severity: 'high' | 'medium' | 'low';
  sources: Citation[];
}

export function risksOf(failures: GateFailure[], promises: ImpliedPromise[], dependencies: DependencyDraft[], urgency: Urgency): RiskDraft[] {
  const risks: RiskDraft[] = [];
  for (const f of failures) {
    if (f.code === 'contradiction' && f.sources.length > 0) risks.push({ risk: `Sources disagree. ${f.detail}`, severity: 'high', sources: f.sources });
  }
  for (const p of promises) {
    if (p.reason === 'exceeds contract') {
      risks.push({ risk: `The buyer expects more than the contract covers: ${p.statement}`, severity: 'high', sources: p.sources });
    } else if (p.category === 'timeline_commitment') {
      risks.push({ risk: `A date was committed outside the contract: ${p.statement}`, severity: urgency === 'low' ? 'medium' : 'high', sources: p.sources });
    }
  }
  for (const d of dependencies) {
    if (d.owner === 'unassigned') risks.push({ risk: `Work may stall: nobody owns "${d.dependency}".`, severity: 'medium', sources: d.sources });
  }
  return risks;
}
