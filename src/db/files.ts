import type { Pool, PoolClient } from 'pg';
import { pageRange, type PagedText } from '../domain/citation-pages';

// Evidence files (migration 1737700000000): originals content-addressed by sha256, their redacted
// extracted text and page offsets, and which handoff document each became. Every query on them.

export interface EvidenceFileRecord {
  /** sha256 (hex) of the original bytes. */
  sha256: string;
  mediaType: string;
  sizeBytes: number;
  /** The original bytes, or undefined when they were withheld (see withheldReason). */
  content?: Buffer;
  withheldReason?: string;
  /** Redacted extracted text: exactly the document's text. */
  extractedText: string;
  textSha256: string;
  /** PDFs: where each page starts in extractedText. */
  pageOffsets?: number[];
  uploadedBy: string;
}

export interface DocumentFileLink {
  handoffId: string;
  documentId: string;
  fileSha256: string;
  filename?: string;
  kind: string;
  kindInferred: boolean;
  addedBy: string;
  /** A part of a long PDF: the pages this document holds. */
  firstPage?: number;
  lastPage?: number;
}

/**
 * Stores files and their links on the caller's client, inside the caller's transaction (so a
 * failed start or update stores none of them). A file stored before keeps its first record.
 */
export async function storeDocumentFiles(db: PoolClient, files: EvidenceFileRecord[], links: DocumentFileLink[]): Promise<void> {
  for (const f of files) {
    await db.query(
      `INSERT INTO evidence_files (sha256, media_type, size_bytes, content, withheld_reason, extracted_text, text_sha256, page_offsets, uploaded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (sha256) DO NOTHING`,
      [f.sha256, f.mediaType, f.sizeBytes, f.content ?? null, f.withheldReason ?? null, f.extractedText, f.textSha256, f.pageOffsets ?? null, f.uploadedBy],
    );
  }
  for (const l of links) {
    await db.query(
      `INSERT INTO handoff_document_files (handoff_id, document_id, file_sha256, filename, kind, kind_inferred, added_by, first_page, last_page)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (handoff_id, document_id) DO NOTHING`,
      [l.handoffId, l.documentId, l.fileSha256, l.filename ?? null, l.kind, l.kindInferred, l.addedBy, l.firstPage ?? null, l.lastPage ?? null],
    );
  }
}

export interface HandoffDocumentFile {
  documentId: string;
  fileSha256: string;
  mediaType: string;
  extractedText: string;
  pageOffsets: number[] | null;
}

/** The files a handoff's documents came from, by document id (for page numbers of citations). */
export async function documentFilesOf(db: Pool | PoolClient, handoffId: string): Promise<Map<string, HandoffDocumentFile>> {
  const { rows } = await db.query<{ document_id: string; file_sha256: string; media_type: string; extracted_text: string; page_offsets: number[] | null }>(
    `SELECT l.document_id, l.file_sha256, f.media_type, f.extracted_text, f.page_offsets
       FROM handoff_document_files l JOIN evidence_files f ON f.sha256 = l.file_sha256
      WHERE l.handoff_id = $1`,
    [handoffId],
  );
  return new Map(
    rows.map((r) => [r.document_id, { documentId: r.document_id, fileSha256: r.file_sha256, mediaType: r.media_type, extractedText: r.extracted_text, pageOffsets: r.page_offsets }]),
  );
}

/** One stored file: its metadata and, when kept, its bytes. */
export async function loadEvidenceFile(db: Pool | PoolClient, sha256: string): Promise<EvidenceFileRecord | undefined> {
  const { rows } = await db.query<{
    sha256: string; media_type: string; size_bytes: number; content: Buffer | null; withheld_reason: string | null;
    extracted_text: string; text_sha256: string; page_offsets: number[] | null; uploaded_by: string;
  }>('SELECT * FROM evidence_files WHERE sha256 = $1', [sha256]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    sha256: r.sha256,
    mediaType: r.media_type,
    sizeBytes: r.size_bytes,
    ...(r.content ? { content: r.content } : {}),
    ...(r.withheld_reason ? { withheldReason: r.withheld_reason } : {}),
    extractedText: r.extracted_text,
    textSha256: r.text_sha256,
    ...(r.page_offsets ? { pageOffsets: r.page_offsets } : {}),
    uploadedBy: r.uploaded_by,
  };
}

/** The handoff's documents made from paged files (PDFs): each one's text and page offsets, by document id. */
export async function pagedTextsOf(db: Pool | PoolClient, handoffId: string): Promise<Map<string, PagedText>> {
  const { rows } = await db.query<{ document_id: string; extracted_text: string; page_offsets: number[]; first_page: number | null; last_page: number | null }>(
    `SELECT l.document_id, f.extracted_text, f.page_offsets, l.first_page, l.last_page
       FROM handoff_document_files l JOIN evidence_files f ON f.sha256 = l.file_sha256
      WHERE l.handoff_id = $1 AND f.page_offsets IS NOT NULL`,
    [handoffId],
  );
  return new Map(rows.map((r) => [r.document_id, pageRange(r.extracted_text, r.page_offsets, r.first_page ?? undefined, r.last_page ?? undefined)]));
}
