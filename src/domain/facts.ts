import * as chrono from 'chrono-node';
import { spelledAmount } from './nlp';
import { NUMBER_PATTERN, parseCount } from './text';

// Facts a delivery depends on, read out of one sentence: amount, term, go-live and kickoff dates,
// and counted deliverables. The gates compare them across sources; the drafter cites them.

export interface Amount {
  value: number;
  currency?: string;
}

const AMOUNT_CONTEXT = /\b(fees?|total|price[ds]?|pricing|amount|cost|contract value|deal|acv|tcv|subscription|licen[cs]e|invoiced?|quoted?)\b/i;
// Money that is not the deal's price: a budget, or what a problem costs the customer ("remakes cost
// them about $40,000 last year").
const NOT_THE_DEAL = /\bbudget\b|\bcost (?:them|us|the customer|the company)\b|\b(?:lost|losing|spent|spending|saved|saving|savings|revenue|worth)\b/i;
const CURRENCY_SYMBOLS: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP' };
const AMOUNT = /(?:\b(USD|EUR|GBP|CAD|AUD|CHF)\s?|(US\$|\$|€|£)\s?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s?([kKmM]\b)?|\b(\d{1,3}(?:,\d{3})+|\d{4,})(?:\.\d{1,2})?\s?(USD|EUR|GBP|CAD|AUD|CHF)\b/;

const CURRENCY_WORDS: Array<[RegExp, string]> = [[/\bdollars?\b/i, 'USD'], [/\beuros?\b/i, 'EUR'], [/\bpounds?(?: sterling)?\b/i, 'GBP'], [/\bfrancs?\b/i, 'CHF']];

/** The first money amount of a sentence that talks about fees, price or totals ("$48k", "USD 48,000", "fifty-two thousand dollars"). */
export function extractAmount(sentence: string): Amount | undefined {
  if (!AMOUNT_CONTEXT.test(sentence) || NOT_THE_DEAL.test(sentence)) return undefined;
  const m = AMOUNT.exec(sentence);
  if (m) {
    if (m[6]) return { value: Number(m[6].replace(/,/g, '')), currency: m[7] };
    const scale = m[5] ? (m[5].toLowerCase() === 'k' ? 1_000 : 1_000_000) : 1;
    const value = Number(`${m[3].replace(/,/g, '')}${m[4] ? `.${m[4]}` : ''}`) * scale;
    const currency = m[1] ?? (m[2] === 'US$' ? 'USD' : CURRENCY_SYMBOLS[m[2] ?? '']);
    return { value, currency };
  }
  const spelled = spelledAmount(sentence);
  if (!spelled) return undefined;
  const currency = CURRENCY_WORDS.find(([re]) => re.test(sentence))?.[1];
  return currency ? { value: spelled.value, currency } : undefined;
}

const TERM = new RegExp(
  `\\b(${NUMBER_PATTERN})[- ](month|year)s?[- ](?:\\w+ )?(?:term|engagement|contract|subscription|agreement|commitment)\\b|\\b(?:term|engagement|contract|subscription)\\b[^.\\d]{0,20}?\\b(${NUMBER_PATTERN})[- ]?(month|year)s?\\b`,
  'i',
);
// "fees of $57,000 for 24 months", "USD 25,000 over two years": a period attached to a price.
const PRICED_PERIOD = new RegExp(`\\b(?:for|over) (?:a |an |the )?(${NUMBER_PATTERN})[- ](month|year)s?\\b`, 'i');

/** The contract term in months ("12 month term", "Term: 24 months", "a two-year term", "an 18-month engagement", "$57,000 for 24 months"). */
export function extractTermMonths(sentence: string): number | undefined {
  const m = TERM.exec(sentence);
  const priced = m ? undefined : AMOUNT_CONTEXT.test(sentence) ? PRICED_PERIOD.exec(sentence) : null;
  if (!m && !priced) return undefined;
  const count = parseCount(m ? (m[1] ?? m[3]) : priced![1]);
  if (count === undefined) return undefined;
  const unit = m ? (m[2] ?? m[4]) : priced![2];
  return unit.toLowerCase() === 'year' ? count * 12 : count;
}

const MONTH_WORD = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
// A calendar date needs a day next to a month, or a numeric date: "December 15", "15th of Dec", "12/15", "2026-12-03".
const DATE_HINT = new RegExp(`\\b\\d{1,2}/\\d{1,2}\\b|\\b\\d{4}-\\d\\d-\\d\\d\\b|\\b${MONTH_WORD}\\.?\\s+\\d|\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_WORD}\\b`, 'i');
const CALENDAR_TEXT = /\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/i;

/**
 * Calendar dates in a sentence, as ISO dates, read by chrono relative to the document's capture time
 * ("12/15", "December 15", "2026-12-03", "12/10/2026"); a date without a year is the next one after it.
 * Relative phrases ("next Friday", "end of the month") are not calendar dates: see datesMentioned.
 */
export function extractDates(sentence: string, reference: string): string[] {
  return datesIn(sentence, reference, true);
}

// A draft asks for the calendar dates of one sentence from several places (contract facts,
// contradictions, the implied promises); chrono reads it once per sentence object, so per draft.
const SENTENCE_DATES = new WeakMap<object, string[]>();

/** extractDates of an evidence sentence, read once per sentence object. */
export function sentenceDates(sentence: { text: string; capturedAt: string }): string[] {
  let dates = SENTENCE_DATES.get(sentence);
  if (!dates) SENTENCE_DATES.set(sentence, (dates = extractDates(sentence.text, sentence.capturedAt)));
  return dates;
}

/** Every date a sentence points at, relative ones included ("by the end of the month", "first week of January"). */
export function datesMentioned(sentence: string, reference: string): string[] {
  return datesIn(sentence, reference, false);
}

// Words without which chrono finds nothing: it is the drafter's costliest call, so it runs only
// on sentences that could hold a date.
const RELATIVE_HINT = /\b(?:jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\b(?:week|month|year|quarter|today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|end of|next|noon|midnight)|\b\d{1,2}\/\d{1,2}\b|\b\d{4}-\d\d-\d\d\b/i;

function datesIn(sentence: string, reference: string, calendarOnly: boolean): string[] {
  const instant = Number.isNaN(Date.parse(reference)) ? new Date(0) : new Date(reference);
  // A holiday names a day ("live by Labor Day"); it is read here, and taken out so chrono does not
  // read "Black Friday" as next Friday.
  const holidays = [...holidaysIn(sentence, instant), ...(calendarOnly ? [] : quartersIn(sentence, instant))];
  const text = holidays.length ? HOLIDAYS.reduce((t, [re]) => t.replace(new RegExp(re.source, 'gi'), ' '), sentence) : sentence;
  if (!(calendarOnly ? DATE_HINT : RELATIVE_HINT).test(text)) return holidays;
  const out: string[] = [...holidays];
  for (const r of chrono.parse(text, { instant, timezone: 'UTC' }, { forwardDate: true })) {
    if (!r.start.isCertain('month')) continue;
    if (calendarOnly && !(r.start.isCertain('day') && CALENDAR_TEXT.test(r.text))) continue;
    const d = r.start.date();
    if (d.getUTCFullYear() < 2000 || d.getUTCFullYear() > 2199) continue;
    out.push(d.toISOString().slice(0, 10));
  }
  return [...new Set(out)];
}

const utc = (y: number, m: number, d: number): Date => new Date(Date.UTC(y, m, d));
/** The nth weekday (0 = Sunday) of a month. */
const nthWeekday = (y: number, m: number, weekday: number, n: number): Date => utc(y, m, 1 + ((weekday - utc(y, m, 1).getUTCDay() + 7) % 7) + 7 * (n - 1));
const thanksgiving = (y: number): Date => nthWeekday(y, 10, 4, 4);
const lastMonday = (y: number, m: number): Date => { const d = nthWeekday(y, m, 1, 5); return d.getUTCMonth() === m ? d : nthWeekday(y, m, 1, 4); };

// Quarters as deadlines ("wraps in Q2", "early next quarter"), which chrono does not read: the quarter's
// last day (of its first month when "early"), the next such quarter on or after the reference date.
const QUARTER = /\b(?:(early|mid|late|end of)\s+)?(?:(next|this) quarter|q([1-4])(?:\s+(20\d\d))?)\b/gi;

function quartersIn(sentence: string, instant: Date): string[] {
  const out: string[] = [];
  const current = Math.floor(instant.getUTCMonth() / 3);
  for (const m of sentence.matchAll(QUARTER)) {
    let year = m[4] ? Number(m[4]) : instant.getUTCFullYear();
    let q = m[3] ? Number(m[3]) - 1 : current + (m[2]?.toLowerCase() === 'next' ? 1 : 0);
    if (!m[3] && q > 3) { q -= 4; year += 1; }
    if (m[3] && !m[4] && q < current) year += 1;
    const lastMonth = q * 3 + (m[1]?.toLowerCase() === 'early' ? 0 : 2);
    out.push(utc(year, lastMonth + 1, 0).toISOString().slice(0, 10));
  }
  return out;
}

// Holidays as deadlines ("live ahead of Black Friday"), which chrono does not read: the next one on
// or after the reference date.
const HOLIDAYS: Array<[RegExp, (year: number) => Date]> = [
  [/\bnew year'?s (?:day|eve)\b/i, (y) => utc(y, 0, 1)],
  [/\bvalentine'?s(?: day)?\b/i, (y) => utc(y, 1, 14)],
  [/\bmemorial day\b/i, (y) => lastMonday(y, 4)],
  [/\b(?:independence day|fourth of july)\b/i, (y) => utc(y, 6, 4)],
  [/\blabor day\b/i, (y) => nthWeekday(y, 8, 1, 1)],
  [/\bhalloween\b/i, (y) => utc(y, 9, 31)],
  [/\bthanksgiving\b/i, thanksgiving],
  [/\bblack friday\b/i, (y) => new Date(thanksgiving(y).getTime() + 86_400_000)],
  [/\bcyber monday\b/i, (y) => new Date(thanksgiving(y).getTime() + 4 * 86_400_000)],
  [/\bchristmas\b/i, (y) => utc(y, 11, 25)],
];

function holidaysIn(sentence: string, instant: Date): string[] {
  const out: string[] = [];
  for (const [re, dateOf] of HOLIDAYS) {
    if (!re.test(sentence)) continue;
    const y = instant.getUTCFullYear();
    const date = dateOf(y) < utc(y, instant.getUTCMonth(), instant.getUTCDate()) ? dateOf(y + 1) : dateOf(y);
    out.push(date.toISOString().slice(0, 10));
  }
  return out;
}

export type DateFact = 'go_live' | 'kickoff';
const GO_LIVE = /\bgo(?:es)?[- ]?live\b|\blaunch(?:es|ing)?\b|\blive (?:by|on|date)\b|\bcut[- ]?over\b|\bin production by\b/i;
const KICKOFF = /\bkick[- ]?off\b|\bproject start\b|\bstart date\b|\bservices (?:start|begin|commence)\b|\b(?:we|you|they) (?:can|will|could) (?:start|begin)\b/i;

// A rehearsal of the go-live is not the go-live: "the week of 8/16 for a cutover rehearsal".
const REHEARSAL = /\b(?:cut[- ]?over|go[- ]?live|launch)\s+(?:rehearsal|dry[- ]run|test|drill|simulation|practice)s?\b|\b(?:mock|practice|test|trial|dry[- ]run)\s+(?:cut[- ]?over|go[- ]?live|launch)\b/gi;

/** Which delivery date a sentence talks about, if any. */
export function dateFactOf(sentence: string): DateFact | undefined {
  if (GO_LIVE.test(sentence.replace(REHEARSAL, ' '))) return 'go_live';
  if (KICKOFF.test(sentence)) return 'kickoff';
  return undefined;
}

export interface Quantity {
  /** The counted thing, singular and lower-case ("connector", "training session"). */
  thing: string;
  count: number;
  /** "up to N": a ceiling rather than an exact count. */
  ceiling: boolean;
}

const UNITS = /^(minute|hour|day|week|month|year|percent|user|seat|licen[cs]e|time|business|am|pm|et|pt|ct|usd|eur|gbp)$/;
const QUANTITY = new RegExp(`\\b(up to |no more than |at most |maximum of )?(${NUMBER_PATTERN})\\s+([a-z][a-z-]*(?:\\s+[a-z][a-z-]*){0,2})`, 'gi');
const PHRASE_STOP = /^(of|and|or|for|with|to|in|on|per|at|by|from|that|which|after|before)$/;

/** Counted deliverables ("two standard connectors", "up to 3 clinic locations"), keyed by the singular noun. */
export function extractQuantities(sentence: string): Quantity[] {
  const out: Quantity[] = [];
  QUANTITY.lastIndex = 0;
  for (let m = QUANTITY.exec(sentence); m; m = QUANTITY.exec(sentence)) {
    const count = parseCount(m[2]);
    const noun = countedNoun(m[3].toLowerCase().split(/\s+/), count ?? 0);
    if (count === undefined || !noun || UNITS.test(noun)) continue;
    out.push({ thing: noun, count, ceiling: Boolean(m[1]) });
  }
  return out;
}

// The counted noun is the first plural word (for counts above one) or the last word before a
// preposition: "two standard connectors" -> connector, "one data import of records" -> import.
function countedNoun(words: string[], count: number): string | undefined {
  let noun: string | undefined;
  for (const word of words) {
    if (PHRASE_STOP.test(word)) break;
    noun = word;
    if (count > 1 && /[^s]s$/.test(word)) break;
  }
  return noun && noun.length > 2 ? singular(noun) : undefined;
}

const singular = (w: string): string => (/ies$/.test(w) ? w.slice(0, -3) + 'y' : /(ch|sh|x)es$/.test(w) ? w.slice(0, -2) : /[^s]s$/.test(w) ? w.slice(0, -1) : w);

export interface Duration {
  months: number;
}
const DURATION = new RegExp(`\\b(${NUMBER_PATTERN})[- ](month|year)s?\\b`, 'gi');

/** Durations in months ("24 months", "five years"). */
export function extractDurations(sentence: string): number[] {
  const out: number[] = [];
  DURATION.lastIndex = 0;
  for (let m = DURATION.exec(sentence); m; m = DURATION.exec(sentence)) {
    const count = parseCount(m[1]);
    if (count !== undefined) out.push(m[2].toLowerCase() === 'year' ? count * 12 : count);
  }
  return out;
}

/** "USD 48,000" (thousands separators by hand: no locale data in workflow code). */
export function formatAmount(a: Amount): string {
  const [whole, cents] = String(a.value).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${a.currency ?? ''} ${grouped}${cents ? `.${cents}` : ''}`.trim();
}

/** Deliverable kinds a system's name is attached to ("the Manhattan WMS connector"). */
export const NAMED_SYSTEM_KINDS = ['integration', 'connector', 'interface', 'data model', 'plugin', 'feed'] as const;
/** One word of a system's name: capitalised ("Kronos", "ArcGIS") or camel-cased ("iManage", "ezyVet"). */
export const SYSTEM_NAME = '(?:[A-Z][\\w.+/-]*|[a-z]+[A-Z][\\w]*)';
