import { closeExtractionPool } from '../../src/intake/extract/pool';
import { RefusedFile } from '../../src/intake/extract/types';
import { QUOTE_END, QUOTE_START } from '../../src/intake/extract/eml';
import { pageAt, pageRuns, prepareFile, MAX_DOCUMENT_CHARS, type FilePart } from '../../src/intake/upload';
import { pageOfQuote, pageRange } from '../../src/domain/citation-pages';
import { docxBomb, docxWith, emailWithQuotedReply, encryptedPdf, pdfWithPages, scannedPdf } from './files';

// Real files, real parsers (in the worker thread the API uses), no services.

const options = { docxMaxDecompressedBytes: 1_000_000, timeoutMs: 30_000, now: '2025-01-20T12:00:00.000Z' };
const prepare = (part: FilePart) => prepareFile(part, options);

/** The refusal a file gets (fails the test when the file is accepted). */
async function refusalOf(part: FilePart) {
  try {
    await prepare(part);
  } catch (err) {
    if (err instanceof RefusedFile) return err.refusal;
    throw err;
  }
  throw new Error('the file was accepted');
}

afterAll(() => closeExtractionPool());

describe('PDF', () => {
  it('keeps page boundaries: each page starts at its offset and a quote maps to its page', async () => {
    const bytes = await pdfWithPages([
      ['Order Form for Acme Corp.', 'Term: 12 months.'],
      ['The subscription fee is 48,000 USD per year.'],
      ['Kickoff within 30 days of signature.'],
    ]);
    const prepared = await prepare({ bytes, filename: 'Acme order form.pdf' });
    const { text } = prepared.document;
    expect(prepared.format).toBe('pdf');
    expect(prepared.pages).toBe(3);
    expect(prepared.file.pageOffsets).toHaveLength(3);
    const offsets = prepared.file.pageOffsets!;
    expect(text.slice(offsets[1]).startsWith('The subscription fee')).toBe(true);
    expect(text.slice(offsets[2]).startsWith('Kickoff within 30 days')).toBe(true);
    expect(pageAt(offsets, text.indexOf('Term: 12 months.'))).toBe(1);
    expect(pageAt(offsets, text.indexOf('48,000 USD'))).toBe(2);
    expect(pageAt(offsets, text.indexOf('Kickoff within'))).toBe(3);
    expect(prepared.document).toMatchObject({ id: 'Acme-order-form.pdf', kind: 'agreement', capturedAt: options.now });
    expect(prepared.kindInferred).toBe(true);
    expect(prepared.file.content?.equals(bytes)).toBe(true);
    expect(prepared.file.mediaType).toBe('application/pdf');
  });

  it('refuses an encrypted PDF with 422 and says to remove the password', async () => {
    expect(await refusalOf({ bytes: await encryptedPdf(), filename: 'locked.pdf' })).toMatchObject({ status: 422, code: 'encrypted_pdf', detail: expect.stringMatching(/password/) });
  });

  it('refuses a PDF with no text layer as scanned', async () => {
    expect(await refusalOf({ bytes: await scannedPdf(), filename: 'scan.pdf' })).toMatchObject({ status: 422, code: 'scanned_pdf', detail: expect.stringMatching(/scanned; send a text PDF or OCR it/) });
  });

  it('refuses PDF content declared as another type (the content decides, the declaration must agree)', async () => {
    const bytes = await pdfWithPages([['Hello.']]);
    expect(await refusalOf({ bytes, filename: 'notes.txt', declaredType: 'text/plain' })).toMatchObject({ status: 415, code: 'type_mismatch' });
    // A name that lies is not a declaration: content decides.
    expect((await prepare({ bytes, filename: 'notes.txt', declaredType: 'application/octet-stream' })).format).toBe('pdf');
  });
});

describe('a PDF longer than one document holds', () => {
  it('becomes documents of consecutive pages, each within the limit, whose citations name the file\'s page', async () => {
    const lines = (p: number) => Array.from({ length: 40 }, (_v, l) => `Page ${p}, clause ${l + 1}: the vendor configures workspace ${l} for clinic ${p}; support answers within a day.`);
    const bytes = await pdfWithPages(Array.from({ length: 60 }, (_v, i) => lines(i + 1)));
    const prepared = await prepare({ bytes, filename: 'msa.pdf', kind: 'agreement' });
    const { extractedText, pageOffsets } = prepared.file;
    expect(extractedText.length).toBeGreaterThan(MAX_DOCUMENT_CHARS);
    expect(prepared.documents.length).toBeGreaterThan(1);
    let next = 1;
    for (const part of prepared.documents) {
      expect(part.firstPage).toBe(next);
      expect(part.document.id).toBe(`msa.pdf:p${part.firstPage}-${part.lastPage}`);
      expect(part.document.text.length).toBeLessThanOrEqual(MAX_DOCUMENT_CHARS);
      // Exactly the file's text of those pages, so stored offsets give each citation its page.
      const range = pageRange(extractedText, pageOffsets!, part.firstPage, part.lastPage);
      expect(range.text).toBe(part.document.text);
      const quote = `Page ${part.lastPage}, clause 7:`;
      expect(pageOfQuote(range, quote)).toBe(part.lastPage);
      next = part.lastPage! + 1;
    }
    expect(next).toBe(61);
  });

  it('splits pages greedily and refuses when one page alone is too long', () => {
    expect(pageRuns(['aaaa', 'bbbb', 'cc', 'dddddd'], 10)).toEqual([[1, 2], [3, 4]]);
    expect(pageRuns(['aaaa', 'bbbb', 'ccccc', 'dddddd'], 10)).toEqual([[1, 2], [3, 3], [4, 4]]);
    expect(pageRuns(['aa', 'bb'], 6)).toEqual([[1, 2]]);
    expect(pageRuns(['a'.repeat(11)], 10)).toBeUndefined();
  });
});

describe('DOCX', () => {
  it('extracts the paragraphs and infers the kind from the heading', async () => {
    const bytes = await docxWith('Statement of Work', ['Phase 1 delivers the analytics dashboard.', 'The customer provides a data export.']);
    const prepared = await prepare({ bytes, filename: 'document.docx' });
    expect(prepared.format).toBe('docx');
    expect(prepared.document.text).toContain('Phase 1 delivers the analytics dashboard.');
    expect(prepared.document.text).toContain('The customer provides a data export.');
    expect(prepared.document.kind).toBe('sow');
    expect(prepared.kindReason).toMatch(/statement of work/);
    expect(prepared.file.pageOffsets).toBeUndefined();
  });

  it('refuses a DOCX that inflates past the limit before parsing it', async () => {
    const bytes = await docxBomb(3_000_000);
    expect(bytes.length).toBeLessThan(100_000);
    expect(await refusalOf({ bytes, filename: 'bomb.docx' })).toMatchObject({ status: 413, code: 'docx_too_large' });
  });

  it('keeps the uploader\'s kind and id over inference', async () => {
    const prepared = await prepare({ bytes: await docxWith('Statement of Work', ['Scope.']), filename: 'x.docx', kind: 'proposal', id: 'prop-1' });
    expect(prepared.document).toMatchObject({ id: 'prop-1', kind: 'proposal' });
    expect(prepared.kindInferred).toBe(false);
  });
});

describe('EML', () => {
  it('tells the new reply from the quoted message, keeps both, names people without addresses and dates it', async () => {
    const prepared = await prepare({ bytes: emailWithQuotedReply(), filename: 'reply.eml' });
    const { text } = prepared.document;
    expect(prepared.format).toBe('eml');
    expect(prepared.document).toMatchObject({ kind: 'email', capturedAt: '2025-01-06T10:15:00.000Z', title: 'Re: Dashboard timeline (from Dana Ruiz)' });
    const quoteAt = text.indexOf(QUOTE_START);
    expect(quoteAt).toBeGreaterThan(0);
    // The reply comes before the marker, the quoted promise after it, without its ">" prefixes.
    expect(text.indexOf('We will send the data export by Friday.')).toBeLessThan(quoteAt);
    expect(text.indexOf('We can have the dashboard live before the board meeting.')).toBeGreaterThan(quoteAt);
    expect(text.indexOf(QUOTE_END)).toBeGreaterThan(text.indexOf('Let me know when the export is ready.'));
    expect(text).not.toMatch(/^>/m);
    expect(text).toMatch(/^From: Dana Ruiz$/m);
    expect(text).not.toContain('@acme.example');
  });

  it('an email given its own capturedAt keeps it', async () => {
    const prepared = await prepare({ bytes: emailWithQuotedReply(), capturedAt: '2025-01-07T08:00:00Z' });
    expect(prepared.document.capturedAt).toBe('2025-01-07T08:00:00Z');
  });
});

describe('text formats', () => {
  it('HTML becomes its visible text', async () => {
    const prepared = await prepare({ bytes: Buffer.from('<!doctype html><html><head><style>p{}</style><script>alert(1)</script></head><body><h1>Call notes</h1><p>Buyer wants SSO in phase 1.</p></body></html>') });
    expect(prepared.format).toBe('html');
    expect(prepared.document.text).toContain('Buyer wants SSO in phase 1.');
    expect(prepared.document.text).not.toMatch(/<|alert|p\{\}/);
    expect(prepared.document.kind).toBe('call_notes');
    expect(prepared.document.id).toMatch(/^file-[0-9a-f]{12}$/);
  });

  it('Markdown and plain text are kept as they are', async () => {
    const md = '# Proposal\n\n- **Dashboard** in phase 1\n- [Pricing](https://example.com)\n';
    expect(await prepare({ bytes: Buffer.from(md) })).toMatchObject({ format: 'markdown', document: { text: md, kind: 'proposal' }, file: { mediaType: 'text/markdown' } });
    expect(await prepare({ bytes: Buffer.from('Just a note.') })).toMatchObject({ format: 'text', document: { text: 'Just a note.', kind: 'other' } });
  });

  it('redacts a secret in the extracted text and keeps no original bytes of that file', async () => {
    const prepared = await prepare({ bytes: Buffer.from('Call notes. The staging key is sk_live_51Hq2w3e4r5t6y7u8i9o0pAsDfGh for the import.') });
    expect(prepared.document.text).toContain('[REDACTED:');
    expect(prepared.document.text).not.toContain('sk_live_51Hq2w3e4r5t6y7u8i9o0pAsDfGh');
    expect(prepared.file.content).toBeUndefined();
    expect(prepared.file.withheldReason).toMatch(/credential/);
  });
});

describe('refused files', () => {
  it('an empty file is 400', async () => {
    expect(await refusalOf({ bytes: Buffer.alloc(0), filename: 'empty.pdf' })).toMatchObject({ status: 400, code: 'empty_file' });
  });

  it('a type this API does not read (an image) is 415 and names the types it reads', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1c8e30000000049454e44ae426082', 'hex');
    expect(await refusalOf({ bytes: png, filename: 'logo.png' })).toMatchObject({ status: 415, code: 'unsupported_type', detail: expect.stringMatching(/image\/png.*PDF, DOCX, EML/) });
  });

  it('whitespace only is 422', async () => {
    expect(await refusalOf({ bytes: Buffer.from('  \n\n ') })).toMatchObject({ status: 422, code: 'no_text' });
  });
});
