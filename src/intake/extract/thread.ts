import { decodeText, detectFormat } from './detect';
import { RefusedFile, type ExtractionOutcome, type ExtractionRequest, type RawExtraction } from './types';

// Runs in a worker thread (pool.ts): untrusted files are parsed off the API's event loop, under a
// heap limit and a time limit, and the ESM-only parsers load natively there. Each parser is loaded
// when its first file comes, so a thread's first PDF does not wait for the email and Word parsers.

// require, not import(): this module is loaded from a data: URL by tsx, where relative import() cannot resolve.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parser = <T>(path: string): T => require(path) as T;

async function extract(req: ExtractionRequest): Promise<RawExtraction> {
  const format = await detectFormat(req.bytes, req.declaredType);
  switch (format) {
    case 'pdf':
      return { format, segments: await parser<typeof import('./pdf')>('./pdf').pdfPages(req.bytes) };
    case 'docx':
      return { format, segments: [await parser<typeof import('./docx')>('./docx').docxText(req.bytes, req.docxMaxDecompressedBytes)] };
    case 'eml': {
      const { text, capturedAt, title } = await parser<typeof import('./eml')>('./eml').emlText(req.bytes);
      return { format, segments: [text], ...(capturedAt ? { capturedAt } : {}), ...(title ? { title } : {}) };
    }
    case 'html':
      return { format, segments: [parser<typeof import('./html')>('./html').htmlText(decodeText(req.bytes) ?? '')] };
    default:
      return { format, segments: [decodeText(req.bytes) ?? ''] };
  }
}

export default async function extractInThread(req: ExtractionRequest): Promise<ExtractionOutcome> {
  try {
    return { ok: true, extraction: await extract(req) };
  } catch (err) {
    if (err instanceof RefusedFile) return { ok: false, refusal: err.refusal };
    // A parser choking on a malformed file is the file's fault: say so rather than answer 500.
    const message = String((err as Error)?.message ?? err).slice(0, 200);
    return { ok: false, refusal: { status: 422, code: 'unreadable_file', detail: `the file could not be read (${message}); export it again or send it as PDF or plain text` } };
  }
}
