import { z } from 'zod';

// What a file's extraction gives back across the worker thread: plain data (structured clone).

export const fileFormats = ['pdf', 'docx', 'eml', 'html', 'markdown', 'text'] as const;
export const FileFormat = z.enum(fileFormats);
export type FileFormat = z.infer<typeof FileFormat>;

/** The media type each accepted format is stored and reported as. */
export const mediaTypeOf: Record<FileFormat, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  eml: 'message/rfc822',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
};

export const RawExtraction = z.object({
  format: FileFormat,
  /** Text as extracted, before redaction: one segment per PDF page, one segment otherwise. */
  segments: z.array(z.string()),
  /** EML: the Date header (ISO); other formats do not say. */
  capturedAt: z.string().optional(),
  /** EML: "<subject> (from <name>)"; others: none (the file name stands in). */
  title: z.string().optional(),
});
export type RawExtraction = z.infer<typeof RawExtraction>;

/** A file refused with the status and a sentence that says what to do. */
export const ExtractionRefusal = z.object({
  status: z.union([z.literal(400), z.literal(413), z.literal(415), z.literal(422)]),
  /** A stable code for clients: encrypted_pdf, scanned_pdf, docx_too_large, type_mismatch, … */
  code: z.string(),
  detail: z.string(),
});
export type ExtractionRefusal = z.infer<typeof ExtractionRefusal>;

export type ExtractionOutcome = { ok: true; extraction: RawExtraction } | { ok: false; refusal: ExtractionRefusal };

export interface ExtractionRequest {
  bytes: Uint8Array;
  /** The part's Content-Type as the client declared it (may be absent or generic). */
  declaredType?: string;
  filename?: string;
  docxMaxDecompressedBytes: number;
}

export class RefusedFile extends Error {
  constructor(readonly refusal: ExtractionRefusal) {
    super(refusal.detail);
  }
}
export const refuse = (status: ExtractionRefusal['status'], code: string, detail: string): never => {
  throw new RefusedFile({ status, code, detail });
};
