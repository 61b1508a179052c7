import { cite, uniqueCitations, type AnalyzedDocument, type EvidenceSentence } from './evidence';
import { dateFactOf, extractAmount, extractTermMonths, formatAmount, sentenceDates } from './facts';
import type { Citation } from './packet';
import { summarize } from './text';

// Contract facts come only from the agreement, SOW, proposal and CRM record. Sources that state the
// same amount, term or date are merged into one fact with all their citations.

export interface ContractFactDraft {
  statement: string;
  sources: Citation[];
}

const FACT_WORDS = /\b(?:fees?|amount|price|total|payment|payable|invoic\w*|net \d+|renew\w*|term|support|sla|response|business hours|warranty|terminat\w*|timeline|start|begin|commence|weeks? after|go-?live|kick-?off|products?)\b/i;
const SECTION_HEADS = /^(?:scope of|deliverables|out of scope|not included|exclusions|success criterion|not sold)/i;

export function contractFactsOf(docs: AnalyzedDocument[]): ContractFactDraft[] {
  const facts: Array<ContractFactDraft & { keys: string[] }> = [];
  for (const doc of docs) {
    if (!doc.contract) continue;
    for (const sentence of doc.sentences) {
      if (SECTION_HEADS.test(sentence.text) || !FACT_WORDS.test(sentence.text)) continue;
      const keys = factKeys(sentence);
      const same = facts.find((f) => keys.length > 0 && keys.every((k) => f.keys.includes(k)));
      if (same) same.sources = uniqueCitations([...same.sources, cite(sentence)]);
      else facts.push({ statement: statementFor(sentence), sources: [cite(sentence)], keys });
    }
  }
  return facts.map(({ statement, sources }) => ({ statement, sources }));
}

function factKeys(sentence: EvidenceSentence): string[] {
  const keys: string[] = [];
  const amount = extractAmount(sentence.text);
  if (amount) keys.push(`amount:${amount.value}`);
  const term = extractTermMonths(sentence.text);
  if (term) keys.push(`term:${term}`);
  const dateFact = dateFactOf(sentence.text);
  const date = dateFact && sentenceDates(sentence)[0];
  if (dateFact && date) keys.push(`${dateFact}:${date}`);
  return keys;
}

function statementFor(sentence: EvidenceSentence): string {
  const amount = extractAmount(sentence.text);
  const term = extractTermMonths(sentence.text);
  if (amount && term) return `Fees of ${formatAmount(amount)} for a ${term}-month term.`;
  if (amount) return `Fees of ${formatAmount(amount)}.`;
  if (term) return `A ${term}-month term.`;
  return summarize(sentence.text, 300);
}
