import { cite, uniqueCitations, type AnalyzedDocument, type EvidenceSentence } from './evidence';
import type { DocumentKind } from './intake';
import type { Citation } from './packet';

// What the buyer is trying to achieve, how urgently, and what they said they want: read from the
// proposal and the buyer's own words, never taken as a contract fact.

export type Urgency = 'high' | 'medium' | 'low';

export interface BuyerGoalDraft {
  statement: string;
  urgency: Urgency;
  sources: Citation[];
}

const GOAL = /\b(?:wants? to|needs? to|goal|objective|aims? to|looking to|in order to|so (?:that|they can)|would like to|trying to|hopes? to|plans? to)\b/i;
const WANT = /\b(?:wants?|needs?|requires?)\b/i;
const HIGH_URGENCY = /\burgent\w*|\basap\b|\bas soon as possible\b|\bfast\b|\bquick(?:ly)?\b|\bboard (?:meeting|meets)\b|\bhard deadline\b|\bdeadline\b|\bcritical\b|\bimmediately\b|\bbefore (?:the )?(?:board|end of|year[- ]end|quarter|audit|launch|season|holidays?)\b|\bcan(?:'t|not) slip\b|\bno later than\b|\btime[- ]sensitive\b/i;
const MEDIUM_URGENCY = /\bsoon\b|\bthis quarter\b|\bnext quarter\b|\btarget date\b|\bgo-?live target\b|\bwithin \d+ (?:weeks|months)\b|\bby (?:the )?end of\b|\bby (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b/i;
const INTENT = /\b(?:wants?|needs?|expects?|asked|would like|hopes?|looking (?:for|forward)|requires?|must have|priority|prefers?|mentioned|confirm\w*|plans?|concern\w*|worried|counting on)\b/i;

const GOAL_SOURCE_ORDER: DocumentKind[] = ['proposal', 'intake_form', 'call_notes', 'email', 'crm_note', 'other', 'sow', 'agreement'];
const BUYER_VOICE: DocumentKind[] = ['call_notes', 'email', 'crm_note', 'intake_form', 'other'];

export function buyerGoalOf(docs: AnalyzedDocument[]): BuyerGoalDraft | null {
  const ordered = GOAL_SOURCE_ORDER.flatMap((kind) => docs.filter((d) => !d.crm && d.doc.kind === kind).flatMap((d) => d.sentences));
  const goal = ordered.find((s) => GOAL.test(s.text)) ?? ordered.find((s) => WANT.test(s.text) && !s.contract);
  if (!goal) return null;
  const { urgency, sentence } = urgencyOf(ordered.filter((s) => s.kind !== 'agreement' && s.kind !== 'sow'));
  return {
    statement: goal.text.replace(/\s+/g, ' '),
    urgency,
    sources: uniqueCitations([cite(goal), ...(sentence ? [cite(sentence)] : [])]),
  };
}

function urgencyOf(sentences: EvidenceSentence[]): { urgency: Urgency; sentence?: EvidenceSentence } {
  const high = sentences.find((s) => HIGH_URGENCY.test(s.text));
  if (high) return { urgency: 'high', sentence: high };
  const medium = sentences.find((s) => MEDIUM_URGENCY.test(s.text));
  if (medium) return { urgency: 'medium', sentence: medium };
  return { urgency: 'low' };
}

/** What the buyer wants or believes, from calls, emails, notes and intake forms. */
export function buyerIntentOf(docs: AnalyzedDocument[]): Array<{ statement: string; sources: Citation[] }> {
  return docs
    .filter((d) => !d.crm && BUYER_VOICE.includes(d.doc.kind))
    .flatMap((d) => d.sentences)
    .filter((s) => INTENT.test(s.text))
    .map((s) => ({ statement: s.text.replace(/\s+/g, ' '), sources: [cite(s)] }));
}
