import { analyzeDocuments, cite, uniqueCitations, type AnalyzedDocument, type EvidenceSentence } from './evidence';
import { dateFactOf, extractDates, extractDurations, extractQuantities } from './facts';
import type { IntakeBundle } from './intake';
import type { Citation, ImpliedPromise, PromiseCategory } from './packet';
import { redactBundle } from './redact';
import { declaredNotSold, notSoldClauses, type ScopeClause } from './scope';
import { contentWords, overlap } from './text';

// Implied promises: what calls and emails say the vendor will do (or the buyer counts on) that the
// contract documents do not back. Deterministic, so an LLM drafter cannot make one disappear:
// the verifier unions these findings back into any packet.

type Reason = ImpliedPromise['reason'];

// A vendor voice committing to something, or the buyer restating a commitment they heard.
const VENDOR_COMMITMENT = /\b(?:said|told|promised|assured|confirmed|claimed)\b[^.;]{0,40}?\bour\b[^.;]{0,20}?\b(?:can|will|'ll|could|would|handles?|supports?|works?)\b|\b(?:said|told|promised|assured|confirmed|committed|offered|guaranteed|agreed)\b[^.;]{0,40}?\b(?:we|we'll|we'd|it|that|this|they)\b[^.;]{0,20}?\b(?:can|could|will|would|'ll|should|is|are)\b|\bwe(?:'ll| will| can| could| would| are going to)\b|\bpromised\b|\bguarantee\w*|\bno problem\b|\bshould be (?:fine|ok|okay|easy|no problem)\b|\bat no (?:extra |additional )?(?:cost|charge)\b|\bfree of charge\b|\bthrow (?:it |that )?in\b/i;
const BUYER_RESTATEMENT = /\b(?:your (?:\w+ )?team|you)(?:'ll| will| would| can| said| promised| agreed| mentioned| told| offered)\b|\b(?:as|what) (?:we )?discussed\b|\b(?:you|ben|they) (?:confirmed|assured)\b/i;
const BUYER_EXPECTATION = /\bexpects\b|\bexpecting\b|\bassumes\b|\bassuming\b|\b(?:was|were) told\b|\bunderstands?\b|\bcounting on\b|\blooking forward to\b|\b(?:may|might) (?:also )?want\b|\bwould also like\b|\bwants?\b[^.;]{0,60}\b(?:too|also|as well)\b/i;

const TIMELINE = /\b(?:live|ready|done|delivered|launched?|up and running|working|shipped|finished|in place)\b[^.;]{0,40}\b(?:before|by|in time for|ahead of|until)\b|\b(?:before|by|in time for|ahead of) (?:the )?(?:\w+ ){0,2}(?:meeting|deadline|launch|board|go-?live|end of|quarter|q[1-4]|season|audit|holidays?)\b|\bdeadline\b|\bwithin (?:\d+|a|two|three|four) (?:days?|weeks?)\b|\bnext week\b/i;
const SUPPORT = /\b24\/7\b|\b24x7\b|\bon[- ]?call\b|\bweekends?\b|\bafter[- ]hours\b|\bevenings?\b|\bdedicated\b|\bhypercare\b|\bresponse time\b|\bsla\b|\bphone support\b|\bpremium support\b|\bsupport (?:team|engineer|line|them|you|the)\b|\b(?:available|reachable) (?:any ?time|around the clock)\b|\bhand-?holding\b|\bcheck-?ins?\b/i;
const FEASIBILITY = /\bshould (?:be fine|work|be ok|be okay|be easy)\b|\bcan (?:integrate|connect|handle|work with|talk to|read|sync)\b|\bworks? with\b|\bcompatible\b|\bfeasible\b|\bpossible\b|\bno problem\b|\beasy\b|\bstraightforward\b|\bout of the box\b|\bsso\b|\bsingle sign-on\b|\bapi\b|\bintegrat\w*\b|\bscale\b|\bperformance\b/i;
const VAGUE = /\b(?:should|might|may|probably|hopefully|try|sort (?:\w+ ){0,3}out|figure (?:\w+ ){0,2}out|together|reasonable|we'll see|as needed|flexible|somehow)\b/i;
const HISTORY = /\bhistor\w*|\barchiv\w*|\bmigrat\w*|\bback ?fill\w*|\bgoing back\b|\bolder than\b/i;
const LIMIT_WORDS = /\b(?:older than|more than|beyond|over|up to|at most|maximum|no more than|last)\b/i;
const BUSINESS_HOURS = /\bbusiness hours\b|\bbusiness days?\b|\b9(?:am|:00)?\s*-\s*5(?:pm|:00)?\b|\bstandard support\b/i;
const EXTENDED_SUPPORT = /\b24\/7\b|\b24x7\b|\bweekends?\b|\bafter[- ]hours\b|\bevenings?\b|\bon[- ]?call\b|\bnights?\b|\baround the clock\b/i;

// Words that make a sentence a promise but say nothing about its content.
const CUE_WORDS = new Set(contentWords(
  'said told promised assured confirmed committed offered guaranteed agreed mentioned asked expects expecting ' +
  'looking forward want wants also too include included including sure before after will can could would should ' +
  'need needs just confirm discussed team know thanks fine okay ok problem definitely course',
));

interface ContractContext {
  sentenceWords: Set<string>[];
  notSold: ScopeClause[];
  limits: Array<{ months: number; source: Citation }>;
  counts: Map<string, { count: number; sentence: EvidenceSentence }>;
  supportHours?: EvidenceSentence;
  goLive?: { date: string; sentence: EvidenceSentence };
  nameWords: Set<string>;
}

/** Implied promises of a bundle (redacted first: quotes are slices of the redacted text). */
export function detectImpliedPromises(bundle: IntakeBundle): ImpliedPromise[] {
  const { bundle: redacted } = redactBundle(bundle);
  return impliedPromisesIn(analyzeDocuments(redacted), redacted);
}

export function impliedPromisesIn(docs: AnalyzedDocument[], bundle: IntakeBundle): ImpliedPromise[] {
  const contract = contractContext(docs, bundle);
  const promises: Array<ImpliedPromise & { words: string[] }> = [];
  for (const doc of docs) {
    if (doc.contract) continue;
    for (const sentence of doc.sentences) {
      const promise = promiseIn(sentence, contract);
      if (!promise) continue;
      const words = topicWords(sentence.text, contract);
      const same = promises.find((p) => p.category === promise.category && similar(words, p.words));
      if (same) {
        same.sources = uniqueCitations([...same.sources, ...promise.sources]);
        if (promise.reason === 'exceeds contract') same.reason = promise.reason;
      } else {
        promises.push({ ...promise, words });
      }
    }
  }
  return promises.map(({ words: _words, ...promise }) => promise);
}

function promiseIn(sentence: EvidenceSentence, contract: ContractContext): ImpliedPromise | null {
  const text = sentence.text;
  const committed = VENDOR_COMMITMENT.test(text) || (sentence.author === 'buyer' && BUYER_RESTATEMENT.test(text));
  const expected = BUYER_EXPECTATION.test(text);
  const conflict = contractConflict(sentence, contract);
  if (!committed && !expected && !conflict) return null;
  if (!conflict && backedByContract(sentence, contract)) return null;
  const category = categoryOf(sentence, conflict?.category);
  const reason: Reason = conflict ? 'exceeds contract' : VAGUE.test(text) ? 'vague commitment' : 'not in contract';
  return {
    statement: text.replace(/\s+/g, ' '),
    reason,
    category,
    sources: uniqueCitations([cite(sentence), ...(conflict ? [conflict.source] : [])]),
  };
}

const DATED_EVENT = /\b(?:meeting|board|deadline|launch|live|ready|demo|event|conference|audit|open enrollment)\b/i;

function categoryOf(sentence: EvidenceSentence, conflictCategory?: PromiseCategory): PromiseCategory {
  const text = sentence.text;
  if (conflictCategory) return conflictCategory;
  if (TIMELINE.test(text)) return 'timeline_commitment';
  if (DATED_EVENT.test(text) && extractDates(text, sentence.capturedAt).length > 0) return 'timeline_commitment';
  if (SUPPORT.test(text)) return 'support_expectation';
  if (FEASIBILITY.test(text)) return 'feasibility';
  return 'scope_promise';
}

interface Conflict {
  category: PromiseCategory;
  /** The contract clause the statement goes beyond. */
  source: Citation;
}

// Goes beyond a limit the contract states: an exclusion, a history cut-off, a count, support
// hours, or the contracted go-live date.
function contractConflict(sentence: EvidenceSentence, contract: ContractContext): Conflict | null {
  const text = sentence.text;
  const words = contentWords(text);
  for (const clause of contract.notSold) {
    const itemWords = contentWords(clause.item).filter((w) => !CUE_WORDS.has(w));
    if (itemWords.length >= 2 && overlap(itemWords, new Set(words)) >= 0.5) return { category: 'scope_promise', source: clause.quote };
  }
  if (HISTORY.test(text)) {
    const asked = Math.max(0, ...extractDurations(text));
    const limit = contract.limits.find((l) => asked > l.months);
    if (limit) return { category: 'scope_promise', source: limit.source };
  }
  for (const q of extractQuantities(text)) {
    const sold = contract.counts.get(q.thing);
    if (sold && q.count > sold.count) return { category: 'scope_promise', source: cite(sold.sentence) };
  }
  if (contract.supportHours && EXTENDED_SUPPORT.test(text) && /\bsupport|available|on[- ]?call|cover/i.test(text)) {
    return { category: 'support_expectation', source: cite(contract.supportHours) };
  }
  if (contract.goLive && dateFactOf(text) === 'go_live') {
    const date = extractDates(text, sentence.capturedAt)[0];
    if (date && date < contract.goLive.date) return { category: 'timeline_commitment', source: cite(contract.goLive.sentence) };
  }
  return null;
}

// A statement is backed when one contract sentence carries (nearly) all of its content words.
function backedByContract(sentence: EvidenceSentence, contract: ContractContext): boolean {
  const words = topicWords(sentence.text, contract);
  if (words.length === 0) return false;
  return contract.sentenceWords.some((set) => overlap(words, set) >= 0.75);
}

function topicWords(text: string, contract: ContractContext): string[] {
  return contentWords(text).filter((w) => !CUE_WORDS.has(w) && !contract.nameWords.has(w));
}

const similar = (a: string[], b: string[]): boolean =>
  Math.max(overlap(a, new Set(b)), overlap(b, new Set(a))) >= 0.6;

function contractContext(docs: AnalyzedDocument[], bundle: IntakeBundle): ContractContext {
  const sentences = docs.filter((d) => d.contract && !d.crm).flatMap((d) => d.sentences);
  const counts = new Map<string, { count: number; sentence: EvidenceSentence }>();
  const limits: ContractContext['limits'] = [];
  const notSold = [...notSoldClauses(docs.filter((d) => d.contract)), ...declaredNotSold(docs)];
  // A history cut-off is cited by its own clause when the contract lists it as an exclusion.
  for (const clause of notSold) {
    if (!HISTORY.test(clause.item)) continue;
    for (const months of extractDurations(clause.item)) limits.push({ months, source: clause.quote });
  }
  let goLive: ContractContext['goLive'];
  for (const sentence of sentences) {
    for (const q of extractQuantities(sentence.text)) if (!counts.has(q.thing)) counts.set(q.thing, { count: q.count, sentence });
    if (limits.length === 0 && HISTORY.test(sentence.text) && LIMIT_WORDS.test(sentence.text)) {
      for (const months of extractDurations(sentence.text)) limits.push({ months, source: cite(sentence) });
    }
    if (!goLive && dateFactOf(sentence.text) === 'go_live') {
      const date = extractDates(sentence.text, sentence.capturedAt)[0];
      if (date) goLive = { date, sentence };
    }
  }
  const names = [...bundle.stakeholders.map((s) => s.name), ...Object.values(bundle.owners).flatMap((p) => (p ? [p.name] : []))];
  return {
    sentenceWords: sentences.map((s) => new Set(contentWords(s.text))),
    notSold,
    limits,
    counts,
    supportHours: sentences.find((s) => BUSINESS_HOURS.test(s.text)),
    goLive,
    nameWords: new Set(contentWords(names.join(' ')).concat(contentWords(bundle.customer.name))),
  };
}
