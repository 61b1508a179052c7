import { cite, type AnalyzedDocument, type EvidenceSentence } from './evidence';
import type { IntakeBundle } from './intake';
import type { Citation } from './packet';
import type { PromiseFinding } from './promises';
import { NUMBER_PATTERN, parseCount } from './text';

// A timeline promise checked against the contract's own estimate: "4 to 6 weeks after data access"
// counted from the kickoff target cannot end before the date that was promised. Both sources (and the
// kickoff target's line of the CRM record) are cited, so a reviewer sees why.

export interface ContractEstimate {
  /** The shortest duration the contract documents state, in days. */
  minDays: number;
  /** "4 to 6 weeks after data access is granted": the words as written. */
  text: string;
  /** What the estimate counts from ("data access is granted"), when it says. */
  after?: string;
  sentence: EvidenceSentence;
}

export interface InfeasiblePromise {
  promise: PromiseFinding;
  promisedBy: string;
  earliest: string;
  estimate: ContractEstimate;
  kickoff: string;
  sources: Citation[];
}

const ESTIMATE = new RegExp(
  `\\b(${NUMBER_PATTERN})(?:\\s*(?:to|-|–)\\s*(${NUMBER_PATTERN}))?\\s+(business days?|days?|weeks?|months?)\\s+(?:after|from|following|of)\\s+([^.;,]{3,60})`,
  'i',
);
const UNIT_DAYS: Record<string, number> = { day: 1, 'business day': 1.4, week: 7, month: 30 };

/** The contract's own delivery estimate, the shortest one when several are stated. */
export function contractEstimate(docs: AnalyzedDocument[]): ContractEstimate | undefined {
  let best: ContractEstimate | undefined;
  for (const doc of docs) {
    if (!doc.contract || doc.crm) continue;
    for (const sentence of doc.sentences) {
      const m = ESTIMATE.exec(sentence.text);
      if (!m || !/\b(?:typical|estimate|expected|first|time to|delivered|live|ready|timeline|takes?|within)\b/i.test(sentence.text)) continue;
      const low = parseCount(m[1]);
      if (low === undefined) continue;
      const unit = m[3].toLowerCase().replace(/s$/, '');
      const minDays = Math.ceil(low * (UNIT_DAYS[unit] ?? 7));
      const text = m[0].trim();
      if (!best || minDays < best.minDays) best = { minDays, text, after: m[4].trim(), sentence };
    }
  }
  return best;
}

/** Timeline promises that end before the contract's estimate allows, counted from the kickoff target. */
export function infeasiblePromises(promises: PromiseFinding[], docs: AnalyzedDocument[], bundle: IntakeBundle): InfeasiblePromise[] {
  const estimate = contractEstimate(docs);
  const kickoff = bundle.kickoffTarget;
  if (!estimate || !kickoff) return [];
  const earliest = addDays(kickoff, estimate.minDays);
  const kickoffLine = docs.find((d) => d.crm)?.sentences.find((s) => s.text.startsWith('Kickoff target:'));
  const out: InfeasiblePromise[] = [];
  for (const promise of promises) {
    if (promise.category !== 'timeline_commitment' || !promise.promisedBy || promise.promisedBy >= earliest) continue;
    out.push({
      promise,
      promisedBy: promise.promisedBy,
      earliest,
      estimate,
      kickoff,
      sources: [cite(estimate.sentence), ...(kickoffLine ? [cite(kickoffLine)] : [])],
    });
  }
  return out;
}

export const addDays = (isoDate: string, days: number): string =>
  new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
