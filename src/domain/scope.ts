import { cite, uniqueCitations, type AnalyzedDocument, type EvidenceSentence } from './evidence';
import type { IntakeBundle } from './intake';
import type { Citation } from './packet';
import { contentWords, cutSpan, overlap, pushTrimmed, withoutTrailingPunctuation, type Span } from './text';

// What was sold and what was not, read from the enumerated clauses of the contract documents.
// Each item quotes its own clause, so a reader sees exactly the words the scope rests on.

export interface ScopeClause {
  item: string;
  /** The clause as a verbatim slice of its document. */
  quote: Citation;
  sentence: EvidenceSentence;
}

const SCOPE_HEAD = /\b(?:scope of (?:services|work)|deliverables|in scope|included services|services include|(?:the )?(?:vendor|provider|we) will (?:provide|deliver)|phase \d+ (?:covers|includes)|(?:package|subscription|engagement) includes)\b\s*(?:are|is|include)?\s*[:\-–]?\s*/i;
const NOT_SOLD_HEAD = /\b(?:out of scope|not in scope|outside (?:the |of )?scope|not included|excluded|exclusions|excludes|does not include|do not include)\b\s*(?:are|is)?\s*[:\-–]?\s*/i;

/** Sold-scope items: the enumerated scope clauses of the agreement and SOW (the proposal when nothing else states scope). */
export function soldScopeClauses(docs: AnalyzedDocument[]): ScopeClause[] {
  const signed = docs.filter((d) => !d.crm && (d.doc.kind === 'agreement' || d.doc.kind === 'sow'));
  const fromSigned = clausesAfter(signed, SCOPE_HEAD);
  if (fromSigned.length > 0) return fromSigned;
  return clausesAfter(docs.filter((d) => d.doc.kind === 'proposal'), SCOPE_HEAD);
}

/** Not-sold items: "out of scope / not included / excluded" clauses of any document. */
export function notSoldClauses(docs: AnalyzedDocument[]): ScopeClause[] {
  return clausesAfter(docs.filter((d) => !d.crm), NOT_SOLD_HEAD);
}

/** The bundle's own notSold lines, cited from the CRM record where they are rendered. */
export function declaredNotSold(docs: AnalyzedDocument[]): ScopeClause[] {
  const crm = docs.find((d) => d.crm);
  if (!crm) return [];
  return crm.sentences
    .filter((s) => s.text.startsWith('Not sold: '))
    .map((s) => {
      const span = withoutTrailingPunctuation(crm.doc.text, { text: s.text.slice(10), start: s.start + 10, end: s.end });
      return { item: span.text, quote: { documentId: crm.doc.id, quote: span.text }, sentence: s };
    });
}

export interface ScopeItemDraft {
  item: string;
  sources: Citation[];
}

/** Merges clauses that name the same thing (e.g. a contract exclusion and the same line typed into the CRM). */
export function mergeScopeItems(clauses: ScopeClause[]): ScopeItemDraft[] {
  const items: Array<ScopeItemDraft & { words: string[] }> = [];
  for (const clause of clauses) {
    const words = contentWords(clause.item);
    const same = items.find((i) => overlap(words, new Set(i.words)) >= 0.6 || overlap(i.words, new Set(words)) >= 0.6);
    if (same) same.sources = uniqueCitations([...same.sources, clause.quote]);
    else items.push({ item: clause.item, sources: [clause.quote], words });
  }
  return items.map(({ item, sources }) => ({ item, sources }));
}

function clausesAfter(docs: AnalyzedDocument[], head: RegExp): ScopeClause[] {
  const clauses: ScopeClause[] = [];
  for (const doc of docs) {
    for (const sentence of doc.sentences) {
      const m = head.exec(sentence.text);
      if (!m) continue;
      const restStart = sentence.start + m.index + m[0].length;
      // "… out of scope for now, but we can scope that separately": the list ends where a new clause starts.
      const tail = CLAUSE_AFTER_LIST.exec(doc.doc.text.slice(restStart, sentence.end));
      const restEnd = tail ? restStart + tail.index : sentence.end;
      const rest: Span = { text: doc.doc.text.slice(restStart, restEnd), start: restStart, end: restEnd };
      // "Custom integrations are not included." names the item before the heading.
      // "… is not included in this package.": the words after the heading only qualify it.
      const qualifierOnly = QUALIFIER_ONLY.test(rest.text.trim());
      const before = /[A-Za-z]{3}/.test(rest.text) && !qualifierOnly ? undefined : itemBefore(doc.doc.text, sentence, sentence.start + m.index);
      if (before === null) continue;
      for (const span of before ? [before] : listItems(doc.doc.text, rest)) {
        const item = span.text.replace(/^(?:and|or)\s+/i, '').replace(/\s+(?:are|is)$/i, '');
        if (item.length >= 3) clauses.push({ item, quote: { documentId: doc.doc.id, quote: span.text }, sentence });
      }
    }
  }
  return clauses;
}

const CLAUSE_AFTER_LIST = /(?:^|,?\s+)(?:but|and (?:we|they|it|you))\b|,\s+(?:so|they|we|which|since|because)\b/i;
const QUALIFIER_ONLY = /^(?:(?:in|under|as part of|with|for|from|of) (?:this|the|our|your) \w+|for now|for the moment|at (?:the|this) (?:moment|time|stage)|(?:right )?now|yet|today|here)?[.!]?$/i;

const NUMBERED = /\s*;\s*(?:and\s+)?|\s*\(\d+\)\s*|\s*\([a-h]\)\s*|(?:^|\s)\d+\)\s*/;

// "(1) a; (2) b" splits on the markers; "a, b, and c" on commas. Clauses inside a numbered item
// keep their commas ("two connectors: Epic export and Kronos export" is one item).
function listItems(source: string, list: Span): Span[] {
  const pieces = NUMBERED.test(list.text) ? cutSpan(source, list, NUMBERED) : commaItems(source, list);
  return pieces
    .map((p) => withoutTrailingPunctuation(source, p))
    .filter((p) => /[A-Za-z]{3}/.test(p.text));
}

function commaItems(source: string, list: Span): Span[] {
  const pieces = cutSpan(source, list, /,\s*(?:and\s+|or\s+)?/);
  if (pieces.length < 2) return cutSpan(source, list, /\s+and\s+/);
  const last = pieces.pop()!;
  return [...pieces, ...cutSpan(source, last, /\s+and\s+/)];
}

// "Priya, we understand the mobile app redesign is not included": the item is the last phrase
// before the heading, after whoever acknowledges it.
const LEAD_IN = /^(?:.*?[,;]\s+)?(?:(?:we|they|i|[A-Z][a-z]+)\s+)?(?:also\s+)?(?:understand|understood|know|knew|acknowledged?|agreed?|confirmed?|noted|accept(?:ed)?|said|see)\s+(?:that\s+)?|^(?:.*?[,;]\s+)/i;

function itemBefore(source: string, sentence: EvidenceSentence, end: number): Span | null | undefined {
  const whole: Span = { text: source.slice(sentence.start, end), start: sentence.start, end };
  const lead = LEAD_IN.exec(whole.text);
  if (!lead || lead[0].length === 0) return listItems(source, whole).length === 1 ? listItems(source, whole)[0] : undefined;
  const start = whole.start + lead[0].length;
  const item = withoutTrailingPunctuation(source, { text: source.slice(start, end), start, end });
  const trimmed: Span[] = [];
  pushTrimmed(source, item.start, item.end, trimmed);
  // "Ian said that's not included": the pronoun points back at an item named before, not one of its own.
  if (trimmed[0] && /^(?:that|this|it|those|these|which)(?:\s+[a-z]+)?(?:'s|\s+is|\s+are)?$/i.test(trimmed[0].text)) return null;
  return trimmed[0] && /[A-Za-z]{3}/.test(trimmed[0].text) ? trimmed[0] : null;
}
