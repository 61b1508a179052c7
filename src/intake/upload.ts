import { createHash } from 'node:crypto';
import { storableText } from '../db/safe-text';
import type { EvidenceFileRecord } from '../db/files';
import type { DocumentKind, EvidenceDocument } from '../domain/intake';
import { PAGE_BREAK } from '../domain/citation-pages';
import { redactSecrets } from '../domain/redact';
import { runExtraction } from './extract/pool';
import { mediaTypeOf, refuse, RefusedFile, type FileFormat } from './extract/types';
import { inferKind } from './kind';

// One uploaded file → one evidence document (its redacted extracted text) and the file record to
// store beside it. Node-side: the API calls it; the workflow never imports it.

/** What a document's text may hold (EvidenceDocument.text). */
export const MAX_DOCUMENT_CHARS = 200_000;

export interface FilePart {
  bytes: Buffer;
  filename?: string;
  declaredType?: string;
  kind?: DocumentKind;
  id?: string;
  capturedAt?: string;
}

/** One document made from a file: the whole file, or (a long PDF) a run of its pages. */
export interface DocumentPart {
  document: EvidenceDocument;
  firstPage?: number;
  lastPage?: number;
}

export interface PreparedFile {
  /** The file's document (the first, when a long PDF was split). */
  document: EvidenceDocument;
  /** Every document made from the file: one, or a long PDF's runs of pages, in page order. */
  documents: DocumentPart[];
  file: Omit<EvidenceFileRecord, 'uploadedBy'>;
  format: FileFormat;
  filename?: string;
  kindInferred: boolean;
  /** Why the kind was inferred so, when it was. */
  kindReason?: string;
  /** PDFs: how many pages. */
  pages?: number;
}

export interface PrepareOptions {
  docxMaxDecompressedBytes: number;
  timeoutMs: number;
  /** capturedAt when neither the uploader nor the file says (ISO date-time). */
  now: string;
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** A document id from a file name: the characters ids allow, else one from the content hash. */
export function documentIdFor(filename: string | undefined, sha: string): string {
  const base = (filename ?? '')
    .replace(/[^A-Za-z0-9._:@-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);
  return base || `file-${sha.slice(0, 12)}`;
}

export { pageAt } from '../domain/citation-pages';

/**
 * Runs of consecutive pages (1-based, inclusive) whose joined text fits one document, each as long
 * as it can be; undefined when a single page is longer than that.
 */
export function pageRuns(pages: readonly string[], max = MAX_DOCUMENT_CHARS): Array<[number, number]> | undefined {
  const runs: Array<[number, number]> = [];
  let first = 1;
  let length = -PAGE_BREAK.length;
  for (let n = 1; n <= pages.length; n++) {
    const page = pages[n - 1].length;
    if (page > max) return undefined;
    if (length + PAGE_BREAK.length + page > max) {
      runs.push([first, n - 1]);
      first = n;
      length = page;
    } else length += PAGE_BREAK.length + page;
  }
  if (pages.length) runs.push([first, pages.length]);
  return runs;
}

export async function prepareFile(part: FilePart, options: PrepareOptions): Promise<PreparedFile> {
  if (part.bytes.length === 0) refuse(400, 'empty_file', 'the file is empty; attach the document itself');
  const outcome = await runExtraction(
    { bytes: new Uint8Array(part.bytes), declaredType: part.declaredType, filename: part.filename, docxMaxDecompressedBytes: options.docxMaxDecompressedBytes },
    options.timeoutMs,
  );
  if (!outcome.ok) throw new RefusedFile(outcome.refusal);
  const { format, segments, capturedAt, title } = outcome.extraction;

  // Redacted page by page, so page offsets are offsets into the text that is stored and cited.
  const kinds = new Set<string>();
  const pages = segments.map((segment) => {
    const redacted = redactSecrets(storableText(segment));
    redacted.findings.forEach((f) => kinds.add(f.kind));
    return redacted.text;
  });
  const pageOffsets: number[] = [];
  let at = 0;
  for (const page of pages) {
    pageOffsets.push(at);
    at += page.length + PAGE_BREAK.length;
  }
  const text = pages.join(PAGE_BREAK);
  if (!text.trim()) refuse(422, 'no_text', 'the file holds no text; send the document with its text');
  // A PDF longer than one document holds becomes documents of consecutive pages; other text cannot be cut at pages.
  const runs = text.length <= MAX_DOCUMENT_CHARS ? [[1, pages.length] as [number, number]] : format === 'pdf' ? pageRuns(pages) : undefined;
  if (!runs) {
    refuse(413, 'text_too_long', `the file's text is ${text.length} characters; one document holds at most ${MAX_DOCUMENT_CHARS} (a PDF: per page): split the file`);
  }

  const sha = sha256Hex(part.bytes);
  const inferred = part.kind ? undefined : inferKind({ format, filename: part.filename, text });
  const withheld = kinds.size > 0;
  const id = part.id ?? documentIdFor(part.filename, sha);
  const name = title ?? part.filename;
  const documents: DocumentPart[] = runs!.map(([first, last]) => {
    const split = runs!.length > 1;
    const document: EvidenceDocument = {
      id: split ? `${id.slice(0, 80)}:p${first}-${last}` : id,
      kind: part.kind ?? inferred!.kind,
      ...(name ? { title: (split ? `${name.slice(0, 270)} (pages ${first}-${last})` : name).slice(0, 300) } : {}),
      capturedAt: part.capturedAt ?? capturedAt ?? options.now,
      text: split ? pages.slice(first - 1, last).join(PAGE_BREAK) : text,
    };
    return split ? { document, firstPage: first, lastPage: last } : { document };
  });
  return {
    document: documents[0].document,
    documents,
    file: {
      sha256: sha,
      mediaType: mediaTypeOf[format],
      sizeBytes: part.bytes.length,
      // No secret is stored: a file whose text held one is kept as its redacted text only.
      ...(withheld
        ? { withheldReason: `the extracted text held what looks like a credential (${[...kinds].join(', ')}); only the redacted text is kept` }
        : { content: part.bytes }),
      extractedText: text,
      textSha256: sha256Hex(text),
      ...(format === 'pdf' ? { pageOffsets } : {}),
    },
    format,
    ...(part.filename ? { filename: part.filename } : {}),
    kindInferred: !part.kind,
    ...(inferred ? { kindReason: inferred.reason } : {}),
    ...(format === 'pdf' ? { pages: pages.length } : {}),
  };
}
