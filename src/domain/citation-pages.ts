import type { Citation } from './packet';

// Citations into documents made from PDFs name their page. A document's text keeps where each page
// starts (the file's page offsets), so the page of a verbatim quote is where it first occurs.
// Pure: the API applies it when a packet is read; the stored packet and its hash stay as drafted.

export interface PagedText {
  text: string;
  /** Character offset where each page starts, in page order. */
  pageOffsets: readonly number[];
  /** The number of the text's first page (a document holding pages 41–80 of a file starts at 41). */
  firstPage?: number;
}

/** Between PDF pages in extracted text. */
export const PAGE_BREAK = '\n\n';

/**
 * The text and page offsets of pages first..last (1-based, inclusive) of a file whose pages start
 * at `pageOffsets` in `fileText`: exactly the text of the document holding those pages.
 */
export function pageRange(fileText: string, pageOffsets: readonly number[], first = 1, last = pageOffsets.length): PagedText {
  const start = pageOffsets[first - 1] ?? 0;
  const end = last < pageOffsets.length ? pageOffsets[last] - PAGE_BREAK.length : fileText.length;
  return { text: fileText.slice(start, end), pageOffsets: pageOffsets.slice(first - 1, last).map((o) => o - start), firstPage: first };
}

/** The page (1-based) holding character `offset`. */
export function pageAt(pageOffsets: readonly number[], offset: number): number {
  let page = 1;
  for (let i = 0; i < pageOffsets.length && pageOffsets[i] <= offset; i++) page = i + 1;
  return page;
}

/** The page a quote starts on, or undefined when the document has no pages or does not hold the quote. */
export function pageOfQuote(doc: PagedText | undefined, quote: string): number | undefined {
  if (!doc || !doc.pageOffsets.length) return undefined;
  const at = doc.text.indexOf(quote);
  return at < 0 ? undefined : pageAt(doc.pageOffsets, at) + (doc.firstPage ?? 1) - 1;
}

const isCitation = (value: Record<string, unknown>): value is Citation & Record<string, unknown> =>
  typeof value.documentId === 'string' && typeof value.quote === 'string';

/**
 * A copy of `value` (a packet, or any part of one) in which every citation carries the page of its
 * quote when its document came from a PDF, and no other citation carries a page (a drafter cannot
 * make one up).
 */
export function withCitationPages<T>(value: T, docs: ReadonlyMap<string, PagedText>): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (!v || typeof v !== 'object' || depth > 32) return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    const obj = v as Record<string, unknown>;
    if (isCitation(obj)) {
      const { page: _drafted, ...rest } = obj;
      const page = pageOfQuote(docs.get(obj.documentId), obj.quote);
      return page === undefined ? rest : { ...rest, page };
    }
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(obj)) out[key] = walk(inner, depth + 1);
    return out;
  };
  return walk(value, 0) as T;
}
