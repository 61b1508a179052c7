import { NUMBER_PATTERN, parseCount } from './text';

// Facts a delivery depends on, read out of one sentence: amount, term, go-live and kickoff dates,
// and counted deliverables. The gates compare them across sources; the drafter cites them.

export interface Amount {
  value: number;
  currency?: string;
}

const AMOUNT_CONTEXT = /\b(fees?|total|price[ds]?|pricing|amount|cost|contract value|deal value|acv|tcv|subscription|licen[cs]e|invoiced?)\b/i;
const CURRENCY_SYMBOLS: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP' };
const AMOUNT = /(?:\b(USD|EUR|GBP|CAD|AUD|CHF)\s?|(US\$|\$|€|£)\s?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s?([kKmM]\b)?|\b(\d{1,3}(?:,\d{3})+|\d{4,})(?:\.\d{1,2})?\s?(USD|EUR|GBP|CAD|AUD|CHF)\b/;

/** The first money amount of a sentence that talks about fees, price or totals. */
export function extractAmount(sentence: string): Amount | undefined {
  if (!AMOUNT_CONTEXT.test(sentence) || /\bbudget\b/i.test(sentence)) return undefined;
  const m = AMOUNT.exec(sentence);
  if (!m) return undefined;
  if (m[6]) return { value: Number(m[6].replace(/,/g, '')), currency: m[7] };
  const scale = m[5] ? (m[5].toLowerCase() === 'k' ? 1_000 : 1_000_000) : 1;
  const value = Number(`${m[3].replace(/,/g, '')}${m[4] ? `.${m[4]}` : ''}`) * scale;
  const currency = m[1] ?? (m[2] === 'US$' ? 'USD' : CURRENCY_SYMBOLS[m[2] ?? '']);
  return { value, currency };
}

const TERM = new RegExp(
  `\\b(${NUMBER_PATTERN})[- ](month|year)s?[- ](?:subscription |contract |initial )?term\\b|\\bterm\\b[^.\\d]{0,20}?\\b(${NUMBER_PATTERN})[- ]?(month|year)s?\\b`,
  'i',
);

/** The contract term in months ("12 month term", "Term: 24 months", "a two-year term"). */
export function extractTermMonths(sentence: string): number | undefined {
  const m = TERM.exec(sentence);
  if (!m) return undefined;
  const count = parseCount(m[1] ?? m[3]);
  if (count === undefined) return undefined;
  return (m[2] ?? m[4]).toLowerCase() === 'year' ? count * 12 : count;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAME = '(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';
const DATE_PATTERNS: Array<{ re: RegExp; read: (m: RegExpExecArray) => [y: number | undefined, mo: number, d: number] }> = [
  { re: /\b(\d{4})-(\d{2})-(\d{2})\b/g, read: (m) => [Number(m[1]), Number(m[2]), Number(m[3])] },
  {
    re: new RegExp(`\\b${MONTH_NAME}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(\\d{4})\\b)?`, 'gi'),
    read: (m) => [m[3] ? Number(m[3]) : undefined, monthNumber(m[1]), Number(m[2])],
  },
  {
    re: new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_NAME}\\b(?:,?\\s+(\\d{4})\\b)?`, 'gi'),
    read: (m) => [m[3] ? Number(m[3]) : undefined, monthNumber(m[2]), Number(m[1])],
  },
];

const monthNumber = (name: string): number => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;

/** Calendar dates in a sentence, as ISO dates; a date without a year takes the next one on or after `reference` minus a month. */
export function extractDates(sentence: string, reference: string): string[] {
  const dates: string[] = [];
  const ref = Number.isNaN(Date.parse(reference)) ? new Date(0) : new Date(reference);
  for (const { re, read } of DATE_PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(sentence); m; m = re.exec(sentence)) {
      const [year, month, day] = read(m);
      if (month < 1 || month > 12 || day < 1 || day > 31) continue;
      dates.push(isoDate(year ?? inferYear(ref, month, day), month, day));
    }
  }
  return [...new Set(dates)];
}

function inferYear(ref: Date, month: number, day: number): number {
  const year = ref.getUTCFullYear();
  const candidate = Date.UTC(year, month - 1, day);
  return candidate < ref.getTime() - 31 * 86_400_000 ? year + 1 : year;
}

const isoDate = (y: number, m: number, d: number): string =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

export type DateFact = 'go_live' | 'kickoff';
const GO_LIVE = /\bgo[- ]?live\b|\blaunch(?:es|ing)?\b|\blive (?:by|on|date)\b|\bcut[- ]?over\b|\bin production by\b/i;
const KICKOFF = /\bkick[- ]?off\b|\bproject start\b|\bstart date\b|\bservices (?:start|begin|commence)\b/i;

/** Which delivery date a sentence talks about, if any. */
export function dateFactOf(sentence: string): DateFact | undefined {
  if (GO_LIVE.test(sentence)) return 'go_live';
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
