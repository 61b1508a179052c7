import { cite, type AnalyzedDocument } from './evidence';
import type { Citation } from './packet';

// First-30-day criteria: the success criteria sales typed in (cited from the CRM record) and
// acceptance or success language in the documents.

const CRITERION = /\bsuccess (?:criteria|criterion|looks like|means|is)\b|\bacceptance\b|\baccepted when\b|\bmeasured by\b|\bkpis?\b|\bfirst (?:30|thirty) days\b/i;

export function firstThirtyDayCriteriaOf(docs: AnalyzedDocument[]): Array<{ criterion: string; sources: Citation[] }> {
  const criteria: Array<{ criterion: string; sources: Citation[] }> = [];
  for (const doc of docs) {
    for (const sentence of doc.sentences) {
      if (doc.crm) {
        if (sentence.text.startsWith('Success criterion: ')) criteria.push({ criterion: sentence.text.slice(19), sources: [cite(sentence)] });
      } else if (CRITERION.test(sentence.text)) {
        criteria.push({ criterion: sentence.text.replace(/\s+/g, ' '), sources: [cite(sentence)] });
      }
    }
  }
  return criteria;
}
