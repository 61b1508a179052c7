// Text helpers shared by the gates and the rules drafter. Every span they return is a slice of
// the document text, so a quote built from it is verbatim by construction.

export interface Span {
  /** The verbatim slice of the text. */
  text: string;
  start: number;
  end: number;
}

// Sentence boundaries come from ICU's sentence segmenter (Intl.Segmenter, Unicode UAX #29), which
// also breaks at line ends; Node's ICU has no abbreviation suppressions, so a boundary right after a
// known abbreviation ("Dr.", "e.g.", "vs.") is joined back.
const SEGMENTER = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Splits a text into sentences (trimmed, trailing punctuation kept, empty ones dropped). */
export function splitSentences(text: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  for (const { segment, index } of SEGMENTER.segment(text)) {
    const end = index + segment.length;
    if (end < text.length && isAbbreviationEnd(text, index + segment.trimEnd().length) && !segment.includes('\n')) continue;
    pushTrimmed(text, start, end, spans);
    start = end;
  }
  pushTrimmed(text, start, text.length, spans);
  return spans;
}

const ABBREVIATIONS = /\b(e\.g|i\.e|etc|vs|approx|incl|Mr|Ms|Mrs|Dr|St|No|Inc|Ltd|Co|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$/;

function isAbbreviationEnd(text: string, end: number): boolean {
  return text[end - 1] === '.' && ABBREVIATIONS.test(text.slice(Math.max(0, end - 8), end));
}

/** Trims a [start, end) range of text and records it when something is left. */
export function pushTrimmed(text: string, start: number, end: number, into: Span[]): void {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  if (end > start) into.push({ text: text.slice(start, end), start, end });
}

/** Cuts a span at every match of `separator`, keeping the pieces (trimmed) as spans of the same text. */
export function cutSpan(source: string, span: Span, separator: RegExp): Span[] {
  const pieces: Span[] = [];
  const re = new RegExp(separator.source, separator.flags.includes('g') ? separator.flags : separator.flags + 'g');
  let start = span.start;
  for (let m = re.exec(span.text); m; m = re.exec(span.text)) {
    if (m[0].length === 0) { re.lastIndex++; continue; }
    pushTrimmed(source, start, span.start + m.index, pieces);
    start = span.start + m.index + m[0].length;
  }
  pushTrimmed(source, start, span.end, pieces);
  return pieces;
}

/** Drops trailing punctuation from a span (the quote stays verbatim: it is still a slice). */
export function withoutTrailingPunctuation(source: string, span: Span): Span {
  let end = span.end;
  while (end > span.start && /[.,;:!?]/.test(source[end - 1])) end--;
  return { text: source.slice(span.start, end), start: span.start, end };
}

const STOPWORDS = new Set(
  ('a an the and or of to for in on at by with from as is are be been was were will would can could should ' +
    'we our you your they their he she it its this that these those there here not no all any some up out ' +
    'into over under than then so if but also too just about what who which when how per via i me my us them ' +
    'his her has have had do does did said says may might must shall one two three four five six seven eight nine ten')
    .split(' '),
);

/** Lower-cased content words of a text, for loose topic matching (never for quoting). */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9][a-z0-9-]*/g) ?? [])
    .map(stem)
    .filter((w) => w.length > 2 && !STOPWORDS.has(w));
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ies')) return word.slice(0, -3) + 'y';
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Share of `words` that also appear in `other` (0..1). */
export function overlap(words: string[], other: Set<string>): number {
  if (words.length === 0) return 0;
  return words.filter((w) => other.has(w)).length / words.length;
}

/** Collapses whitespace and caps length, for human-facing summaries built from quotes. */
export function summarize(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : flat.slice(0, max - 1).trimEnd() + '…';
}

const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, fifteen: 15, eighteen: 18, twenty: 20, 'twenty-four': 24, thirty: 30, 'thirty-six': 36,
};
export const NUMBER_PATTERN = `(?:\\d{1,3}(?:,\\d{3})+|\\d+|${Object.keys(NUMBER_WORDS).sort((a, b) => b.length - a.length).join('|')})`;

/** Parses "12" or "twelve" (case-insensitive). */
export function parseCount(word: string): number | undefined {
  const lower = word.toLowerCase();
  if (/^\d{1,3}(?:,\d{3})+$|^\d+$/.test(lower)) return Number(lower.replace(/,/g, ''));
  return NUMBER_WORDS[lower];
}
