import type { RequestHandler } from 'express';
import multer from 'multer';
import type { PoolClient } from 'pg';
import { z } from 'zod';
import type { Config } from '../config';
import { storeDocumentFiles } from '../db/files';
import { storableText } from '../db/safe-text';
import { redactSecrets } from '../domain/redact';
import { BusinessDateTime, DocumentKind, documentKinds } from '../domain/intake';
import type { Actor } from '../domain/review';
import { RefusedFile } from '../intake/extract/types';
import { prepareFile, type FilePart, type PreparedFile } from '../intake/upload';
import { badRequest, HttpProblem } from './problem';
import type { ApiRoute, UploadSpec } from './route-table';

// Evidence as files: on the routes that allow it, a multipart/form-data request is read here into
// the same JSON body the route takes (its JSON field, plus one document per `file` part with the
// extracted, redacted text), so parsing, the body guard, idempotency and the handler stay one path.
// The files themselves are kept in `req.uploads` and stored in the route's own transaction.

declare module 'express-serve-static-core' {
  interface Request {
    /** Files of a multipart request, extracted; undefined for JSON requests. */
    uploads?: PreparedFile[];
  }
}

const titles: Record<number, string> = { 400: 'Bad Request', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content' };

/** One line per uploaded file in the answer: the kind as given or inferred, for the uploader to confirm. */
export const UploadedFile = z
  .object({
    documentId: z.string(),
    documentIds: z.array(z.string()).optional().describe('a PDF longer than one document holds is split into documents of consecutive pages (ids <id>:p<first>-<last>)'),
    filename: z.string().optional(),
    kind: DocumentKind,
    kindInferred: z.boolean().describe('true when no kind was sent: check it, and send the file again with `kind` if it is wrong'),
    kindReason: z.string().optional(),
    mediaType: z.string().describe('the type the content was read as'),
    sha256: z.string(),
    sizeBytes: z.number().int(),
    pages: z.number().int().optional().describe('PDFs: pages read'),
    originalStored: z.boolean().describe('false when the text held a credential: only the redacted text was kept'),
    note: z.string().optional(),
  })
  .meta({ id: 'UploadedFile' });
export type UploadedFile = z.infer<typeof UploadedFile>;

export const describeUploads = (uploads: PreparedFile[]): UploadedFile[] =>
  uploads.map((u) => ({
    documentId: u.document.id,
    ...(u.documents.length > 1 ? { documentIds: u.documents.map((d) => d.document.id) } : {}),
    ...(u.filename ? { filename: u.filename } : {}),
    kind: u.document.kind,
    kindInferred: u.kindInferred,
    ...(u.kindReason ? { kindReason: u.kindReason } : {}),
    mediaType: u.file.mediaType,
    sha256: u.file.sha256,
    sizeBytes: u.file.sizeBytes,
    ...(u.pages !== undefined ? { pages: u.pages } : {}),
    originalStored: u.file.content !== undefined,
    ...(u.file.withheldReason ? { note: u.file.withheldReason } : {}),
  }));

/** Stores the files of a request and links them to the handoff's documents, on the caller's transaction. */
export async function storeUploads(db: PoolClient, handoffId: string, uploads: PreparedFile[], actor: Actor): Promise<void> {
  await storeDocumentFiles(
    db,
    uploads.map((u) => ({ ...u.file, uploadedBy: actor.id })),
    uploads.flatMap((u) =>
      u.documents.map(({ document, firstPage, lastPage }) => ({
        handoffId,
        documentId: document.id,
        fileSha256: u.file.sha256,
        ...(u.filename ? { filename: u.filename } : {}),
        kind: document.kind,
        kindInferred: u.kindInferred,
        addedBy: actor.id,
        ...(firstPage ? { firstPage, lastPage } : {}),
      })),
    ),
  );
}

/** The multipart request body as OpenAPI describes it. */
export function multipartSchema(spec: UploadSpec): Record<string, unknown> {
  return {
    type: 'object',
    required: spec.field === 'bundle' ? ['bundle'] : [],
    properties: {
      [spec.field]: { type: 'string', contentMediaType: 'application/json', description: spec.description },
      file: {
        type: 'array',
        items: { type: 'string', contentMediaType: 'application/octet-stream' },
        description: 'One part per file: PDF, DOCX, EML, HTML, Markdown or plain text, read by content (the declared type, when not generic, must agree)',
      },
      kind: { type: 'array', items: { type: 'string', enum: ['', ...documentKinds] }, description: 'Per file, in the order of the files (none, or one per file; empty = infer)' },
      id: { type: 'array', items: { type: 'string' }, description: 'Per file: the document id (default: the file name made id-safe)' },
      capturedAt: { type: 'array', items: { type: 'string', format: 'date-time' }, description: 'Per file: when the document was captured (default: an email\'s Date header, else now)' },
    },
  };
}

const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** Per-file fields: none, or exactly one per file in the files' order; an empty value means "not given". */
function perFile(fields: Record<string, unknown>, name: string, count: number): Array<string | undefined> {
  const values = list(fields[name]);
  if (values.length && values.length !== count) {
    throw badRequest(`send one \`${name}\` per file (in the files' order) or none`, { errors: [{ path: name, message: `${values.length} values for ${count} files` }] });
  }
  return Array.from({ length: count }, (_v, i) => (values[i]?.trim() ? values[i].trim() : undefined));
}

function checked<T>(schema: z.ZodType<T>, value: string | undefined, path: string): T | undefined {
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest('a per-file field is not valid', { errors: [{ path, message: parsed.error.issues[0]?.message ?? 'invalid' }] });
  return parsed.data;
}

const multerProblems: Record<string, (config: Config) => HttpProblem> = {
  LIMIT_FILE_SIZE: (c) => new HttpProblem(413, titles[413], `a file is larger than ${c.UPLOAD_MAX_BYTES} bytes (UPLOAD_MAX_BYTES); split it or send its text`),
  LIMIT_FILE_COUNT: (c) => new HttpProblem(413, titles[413], `at most ${c.UPLOAD_MAX_FILES} files per request (UPLOAD_MAX_FILES); send the rest in another request`),
  LIMIT_FIELD_VALUE: (c) => new HttpProblem(413, titles[413], `a form field is larger than ${c.MAX_BODY_BYTES} bytes (MAX_BODY_BYTES)`),
  LIMIT_PART_COUNT: () => new HttpProblem(413, titles[413], 'the form has too many parts'),
  LIMIT_FIELD_COUNT: () => new HttpProblem(413, titles[413], 'the form has too many fields'),
};

/**
 * Middleware for a route with `upload`: reads a multipart body (limits from config), extracts every
 * file (all or nothing: one refused file refuses the request, before anything is stored) and leaves
 * the JSON body the route's schema expects. Other content types pass through untouched.
 */
export function uploadBody(route: ApiRoute, config: Config): RequestHandler[] {
  const spec = route.upload;
  if (!spec) return [];
  const parse = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: {
      fileSize: config.UPLOAD_MAX_BYTES,
      files: config.UPLOAD_MAX_FILES,
      fieldSize: config.MAX_BODY_BYTES,
      fields: 4 * config.UPLOAD_MAX_FILES + 10,
      parts: 5 * config.UPLOAD_MAX_FILES + 10,
    },
  }).any();
  const read: RequestHandler = (req, res, next) => {
    if (req.is('multipart/form-data') !== 'multipart/form-data') return next();
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      const code = (err as { code?: string }).code ?? '';
      if (err instanceof multer.MulterError) return next(multerProblems[code]?.(config) ?? badRequest(`the form could not be read: ${err.message}`, { errors: [{ path: (err as { field?: string }).field ?? '', message: err.message }] }));
      next(badRequest(`the multipart body could not be read (${String((err as Error)?.message ?? err).slice(0, 200)})`));
    });
  };
  const extract: RequestHandler = async (req, _res, next) => {
    if (!Array.isArray(req.files)) return next();
    const fields = (req.body ?? {}) as Record<string, unknown>;
    const files = req.files;
    const stray = files.find((f) => f.fieldname !== 'file');
    if (stray) throw badRequest('files go in parts named `file`', { errors: [{ path: stray.fieldname, message: 'unexpected file part' }] });
    const unknown = Object.keys(fields).find((name) => ![spec.field, 'kind', 'id', 'capturedAt'].includes(name));
    if (unknown) throw badRequest(`unknown form field \`${unknown}\``, { errors: [{ path: unknown, message: `fields are ${spec.field}, file, kind, id, capturedAt` }] });
    const jsonText = list(fields[spec.field]);
    if (jsonText.length > 1) throw badRequest(`send one \`${spec.field}\` field`, { errors: [{ path: spec.field, message: 'given more than once' }] });
    if (!jsonText.length && spec.field === 'bundle') throw badRequest('the `bundle` field (the intake bundle as JSON, without the file documents) is missing', { errors: [{ path: 'bundle', message: 'required' }] });
    let body: Record<string, unknown> = {};
    if (jsonText.length) {
      try {
        body = JSON.parse(jsonText[0]) as Record<string, unknown>;
      } catch {
        throw badRequest(`the \`${spec.field}\` field is not valid JSON`, { errors: [{ path: spec.field, message: 'not valid JSON' }] });
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the \`${spec.field}\` field must be a JSON object`, { errors: [{ path: spec.field, message: 'not an object' }] });
    }
    const kinds = perFile(fields, 'kind', files.length);
    const ids = perFile(fields, 'id', files.length);
    const dates = perFile(fields, 'capturedAt', files.length);
    const parts: FilePart[] = files.map((f, i) => {
      const kind = checked(DocumentKind, kinds[i], `kind.${i}`);
      const capturedAt = checked(BusinessDateTime, dates[i], `capturedAt.${i}`);
      return {
        bytes: f.buffer,
        // The client's file name is stored and echoed: storable, redacted and bounded like any text field.
        ...(f.originalname ? { filename: redactSecrets(storableText(f.originalname)).text.slice(0, 300) } : {}),
        ...(f.mimetype ? { declaredType: f.mimetype } : {}),
        ...(kind ? { kind } : {}),
        ...(ids[i] ? { id: ids[i] } : {}),
        ...(capturedAt ? { capturedAt } : {}),
      };
    });
    const options = { docxMaxDecompressedBytes: config.DOCX_MAX_DECOMPRESSED_BYTES, timeoutMs: config.EXTRACT_TIMEOUT_MS, now: new Date().toISOString() };
    // All files are read before anything is stored; the first refusal answers for the request.
    const settled = await Promise.allSettled(parts.map((part) => prepareFile(part, options)));
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') return;
      if (!(s.reason instanceof RefusedFile)) throw s.reason;
      const { status, code, detail } = s.reason.refusal;
      const name = parts[i].filename ?? `file ${i + 1}`;
      throw new HttpProblem(status, titles[status], `${name}: ${detail}`, {
        code,
        file: name,
        ...(status === 400 ? { errors: [{ path: `file.${i}`, message: detail }] } : {}),
      });
    });
    const uploads = settled.map((s) => (s as PromiseFulfilledResult<PreparedFile>).value);
    const given = Array.isArray(body.documents) ? body.documents : body.documents === undefined ? [] : undefined;
    // A `documents` that is not a list is left for the route's schema to name at its path.
    req.body = given ? { ...body, documents: [...given, ...uploads.flatMap((u) => u.documents.map((d) => d.document))] } : body;
    req.uploads = uploads;
    next();
  };
  return [read, extract];
}
