import { cite, type AnalyzedDocument } from './evidence';
import type { Citation } from './packet';

// Clauses that sound like commitments but fix nothing: who, what or when is left open.

export interface AmbiguityDraft {
  issue: string;
  sources: Citation[];
}

const VAGUE_CLAUSES: Array<{ pattern: RegExp; issue: (phrase: string) => string }> = [
  { pattern: /\b(?:commercially )?reasonable (?:cooperation|efforts?|assistance|support|access|time|notice|availability)\b/i, issue: (p) => `"${p}" does not say what is expected, from whom, or by when.` },
  { pattern: /\bbest efforts?\b/i, issue: (p) => `"${p}" commits to trying, not to a result.` },
  { pattern: /\bshould (?:be fine|work|be ok|be okay|be easy|be no problem)\b|\bno problem\b/i, issue: (p) => `"${p}" is an assurance, not a checked commitment: what was verified?` },
  { pattern: /\bsort(?:ed)? (?:\w+ ){0,3}out\b|\bfigure (?:\w+ ){0,2}out\b|\bwork (?:it|this|that) out\b|\b(?:do|handle|manage) (?:it|this|that) together\b|\btogether\b|\bjointly\b/i, issue: (p) => `Ownership left open ("${p}"): who does the work?` },
  { pattern: /\bagreed by both parties\b|\bmutually agreed\b|\bto be (?:agreed|determined|confirmed|decided)\b|\btbd\b|\btba\b/i, issue: (p) => `Left to be agreed later ("${p}"): nothing fixes it yet.` },
  { pattern: /\bas (?:needed|appropriate|required)\b|\bwhere possible\b|\bif (?:possible|needed|feasible)\b|\bwithin reason\b/i, issue: (p) => `"${p}" leaves the extent of the work undefined.` },
  { pattern: /\b(?:may|might) (?:also )?want\b|\bmaybe\b|\bpossibly\b/i, issue: (p) => `A possible request ("${p}"): is it in scope or not?` },
];

/** One ambiguity per vague sentence, quoting the sentence and naming the vague phrase. */
export function vagueClauses(docs: AnalyzedDocument[]): AmbiguityDraft[] {
  const found: AmbiguityDraft[] = [];
  for (const doc of docs) {
    if (doc.crm) continue;
    for (const sentence of doc.sentences) {
      for (const { pattern, issue } of VAGUE_CLAUSES) {
        const m = pattern.exec(sentence.text);
        if (!m) continue;
        found.push({ issue: issue(m[0]), sources: [cite(sentence)] });
        break;
      }
    }
  }
  return found;
}
