import { createHash } from 'node:crypto';
import { pagedTextsOf } from '../../src/db/files';
import { pageOfQuote } from '../../src/domain/citation-pages';
import { closeExtractionPool } from '../../src/intake/extract/pool';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { waitForStage, type Harness } from '../support/harness';
import { startApiHarness } from './support';
import { docxBomb, docxWith, emailWithQuotedReply, encryptedPdf, pdfWithPages, scannedPdf } from '../intake/files';

// Evidence as files through the real API, worker, Temporal and Postgres: a handoff started from a
// multipart upload of a PDF, a DOCX and an email; citations into the PDF name the right page and
// quote its extracted text verbatim; every bad file is refused with a problem+json and stores nothing.

let h: Harness;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  h = await startApiHarness({ UPLOAD_MAX_BYTES: 256 * 1024, DOCX_MAX_DECOMPRESSED_BYTES: 1_000_000 });
});
afterAll(async () => {
  await h?.close();
  await closeExtractionPool();
});

interface Part {
  bytes: Buffer;
  filename: string;
  type?: string;
}

/** A multipart POST as curl -F sends it. */
async function postForm(path: string, token: string, fields: Record<string, string | string[]>, files: Part[]) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) form.append(name, v);
  for (const f of files) form.append('file', new Blob([f.bytes], f.type ? { type: f.type } : {}), f.filename);
  const res = await fetch(`${h.api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
}

/** Rows in every table an upload or a start writes. */
async function storedCounts() {
  const { rows } = await h.pool.query(`SELECT
    (SELECT count(*) FROM evidence_files)::int AS files,
    (SELECT count(*) FROM handoff_document_files)::int AS links,
    (SELECT count(*) FROM intake_bundles)::int AS bundles,
    (SELECT count(*) FROM evidence_documents)::int AS documents,
    (SELECT count(*) FROM handoff_runs)::int AS runs`);
  return rows[0];
}

// The worked example's order form, over two pages: the fees and scope are on page 2.
const page1 = ['Order Form NW-2026-11. Customer: Northwind Health.', 'Timeline: services start on the kickoff date agreed by both parties.'];
const page2 = [
  'Fees: USD 48,000 for a 12 month term.',
  'Scope of services: (1) configuration of the Analytics workspace for up to 3 clinic locations;',
  '(2) two standard connectors: Epic scheduling export and the Kronos timekeeping export;',
  '(3) one utilization dashboard; (4) two admin training sessions of 90 minutes.',
  'Out of scope: custom integrations, historical data migration older than 24 months, and on-site work.',
  'Support: standard support, business hours, 9am-5pm ET, response within one business day.',
];

/** The worked example's bundle without the documents that arrive as files. */
function bundleWithout(suffix: string, fileIds: string[]) {
  const bundle = withDealId(loadSharedFixture('worked-example'), suffix);
  return { ...bundle, documents: bundle.documents.filter((d) => !fileIds.includes(d.id)) };
}

describe('a handoff started from files', () => {
  let handoffId: string;
  let pdf: Buffer;
  let started: Awaited<ReturnType<typeof postForm>>;

  beforeAll(async () => {
    pdf = await pdfWithPages([page1, page2]);
    const proposal = await docxWith('Proposal', [
      'Northwind wants to cut overtime costs across three clinics. Our onboarding package gets a utilization dashboard in front of your operations team.',
      'Phase 1 covers workspace setup, two connectors and training. Typical time to first dashboard: 4 to 6 weeks after data access is granted.',
    ]);
    const bundle = bundleWithout('-UPL', ['order-form', 'proposal', 'email-2026-11-18']);
    started = await postForm(
      '/handoffs',
      h.tokens['u-ben'],
      { bundle: JSON.stringify(bundle), capturedAt: ['2026-11-20T16:00:00Z', '2026-11-02T15:00:00Z', ''] },
      [
        { bytes: pdf, filename: 'order-form.pdf', type: 'application/pdf' },
        { bytes: proposal, filename: 'proposal.docx' },
        { bytes: emailWithQuotedReply('Wed, 18 Nov 2026 09:10:00 +0000'), filename: 'reply.eml', type: 'message/rfc822' },
      ],
    );
    handoffId = started.body?.handoffId;
  });

  it('answers 201 with each file\'s document and its inferred kind to confirm', () => {
    expect(started.status).toBe(201);
    expect(started.body.files).toEqual([
      expect.objectContaining({ documentId: 'order-form.pdf', kind: 'agreement', kindInferred: true, mediaType: 'application/pdf', pages: 2, originalStored: true, sha256: sha(pdf) }),
      expect.objectContaining({ documentId: 'proposal.docx', kind: 'proposal', kindInferred: true, originalStored: true }),
      expect.objectContaining({ documentId: 'reply.eml', kind: 'email', kindInferred: true, mediaType: 'message/rfc822' }),
    ]);
  });

  it('keeps the originals by sha256 with their extracted text, linked to the handoff\'s documents', async () => {
    const { rows } = await h.pool.query(
      `SELECT l.document_id, f.content, f.page_offsets, f.extracted_text, f.uploaded_by FROM handoff_document_files l
         JOIN evidence_files f ON f.sha256 = l.file_sha256 WHERE l.handoff_id = $1 ORDER BY l.document_id`,
      [handoffId],
    );
    expect(rows.map((r) => r.document_id)).toEqual(['order-form.pdf', 'proposal.docx', 'reply.eml']);
    const pdfRow = rows[0];
    expect(Buffer.compare(pdfRow.content, pdf)).toBe(0);
    expect(pdfRow.uploaded_by).toBe('u-ben');
    expect(pdfRow.page_offsets).toHaveLength(2);
    expect(pdfRow.extracted_text.slice(pdfRow.page_offsets[1]).startsWith('Fees: USD 48,000')).toBe(true);
  });

  it('cites the PDF with the page of each quote, verbatim from the extracted text; the Markdown shows p. N', async () => {
    // Generous: on a loaded shared machine drafting can take a while; nothing here is timed.
    await waitForStage(h, handoffId, ['in_review'], h.tokens.admin, 80_000);
    const { rows } = await h.pool.query("SELECT f.extracted_text, f.page_offsets FROM evidence_files f WHERE sha256 = $1", [sha(pdf)]);
    const { extracted_text: text, page_offsets: offsets } = rows[0];
    const packet = await h.request('GET', `/handoffs/${handoffId}/packet`, { token: h.tokens['u-chen'] });
    expect(packet.status).toBe(200);
    const citations: Array<{ documentId: string; quote: string; page?: number }> = [];
    JSON.stringify(packet.body, (_k, v) => {
      if (v && typeof v === 'object' && typeof v.documentId === 'string' && typeof v.quote === 'string') citations.push(v);
      return v;
    });
    const intoPdf = citations.filter((c) => c.documentId === 'order-form.pdf');
    expect(intoPdf.length).toBeGreaterThan(0);
    for (const c of intoPdf) {
      const at = text.indexOf(c.quote);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(c.page).toBe(at >= offsets[1] ? 2 : 1);
    }
    const fees = intoPdf.find((c) => c.quote.includes('48,000'));
    expect(fees?.page).toBe(2);
    // Other documents carry no page.
    expect(citations.filter((c) => c.documentId !== 'order-form.pdf').every((c) => c.page === undefined)).toBe(true);
    const md = await h.request('GET', `/handoffs/${handoffId}/packet?format=md`, { token: h.tokens['u-chen'] });
    expect(md.body).toMatch(/\]: order-form\.pdf, p\. 2 — "[^"]*48,000/);
  }, 120_000);

  it('adds an uploaded file as evidence to the running handoff, in the update\'s transaction', async () => {
    const notes = Buffer.from('# Call notes\n\n- Eli confirmed the **Epic export** will be ready by December 1.\n- [Agenda](https://example.com/agenda)\n');
    const res = await postForm(`/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], { kind: 'call_notes', id: 'call-notes-2026-11-21' }, [
      { bytes: notes, filename: 'notes.md', type: 'text/markdown' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.files).toEqual([expect.objectContaining({ documentId: 'call-notes-2026-11-21', kind: 'call_notes', kindInferred: false, mediaType: 'text/markdown' })]);
    const link = await h.pool.query('SELECT file_sha256 FROM handoff_document_files WHERE handoff_id = $1 AND document_id = $2', [handoffId, 'call-notes-2026-11-21']);
    expect(link.rows[0]?.file_sha256).toBe(sha(notes));
  });

  it('splits a PDF longer than one document into documents of pages; each one\'s stored pages give its text and page numbers', async () => {
    const lines = (p: number) => Array.from({ length: 40 }, (_v, l) => `Page ${p}, clause ${l + 1}: the vendor configures workspace ${l} for clinic ${p}; support answers within a day.`);
    const msa = await pdfWithPages(Array.from({ length: 60 }, (_v, i) => lines(i + 1)));
    const res = await postForm(`/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], { kind: 'agreement' }, [{ bytes: msa, filename: 'msa.pdf' }]);
    expect(res.status).toBe(200);
    const ids: string[] = res.body.files[0].documentIds;
    expect(ids.length).toBeGreaterThan(1);
    expect(ids[0]).toMatch(/^msa\.pdf:p1-\d+$/);
    const paged = await pagedTextsOf(h.pool, handoffId);
    for (const id of ids) {
      const doc = paged.get(id)!;
      const [, first, last] = /:p(\d+)-(\d+)$/.exec(id)!.map(Number);
      expect(doc.firstPage).toBe(first);
      expect(doc.pageOffsets).toHaveLength(last - first + 1);
      expect(pageOfQuote(doc, `Page ${last}, clause 3:`)).toBe(last);
      // The stored document text of that id is exactly these pages.
      const stored = await h.pool.query('SELECT 1 FROM evidence_documents WHERE sha256 = $1', [createHash('sha256').update(doc.text).digest('hex')]);
      expect(stored.rowCount).toBe(1);
    }
  });

  it('keeps a file whose text held a credential as its redacted text only, never its bytes', async () => {
    const leaky = Buffer.from('Call notes. Eli pasted the staging key sk_live_51Hq2w3e4r5t6y7u8i9o0pAsDfGh into the chat.');
    const res = await postForm(`/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], { id: 'leaky-notes' }, [{ bytes: leaky, filename: 'notes sk_live_51Hq2w3e4r5t6y7u8i9o0pAsDfGh.txt' }]);
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    expect(res.body.files[0]).toMatchObject({ documentId: 'leaky-notes', originalStored: false, note: expect.stringMatching(/credential/) });
    expect(res.body.files[0].filename).toMatch(/^notes \[REDACTED:[a-z_]+\]\.txt$/);
    const link = await h.pool.query('SELECT filename FROM handoff_document_files WHERE handoff_id = $1 AND document_id = $2', [handoffId, 'leaky-notes']);
    expect(link.rows[0].filename).not.toContain('sk_live');
    const { rows } = await h.pool.query('SELECT content, withheld_reason, extracted_text FROM evidence_files WHERE sha256 = $1', [sha(leaky)]);
    expect(rows[0].content).toBeNull();
    expect(rows[0].extracted_text).toContain('[REDACTED:');
    const everything = await h.pool.query("SELECT count(*)::int AS n FROM evidence_files WHERE position(convert_to('sk_live_51Hq2w3e', 'UTF8') in coalesce(content, '')) > 0 OR extracted_text LIKE '%sk_live_51Hq2w3e%'");
    expect(everything.rows[0].n).toBe(0);
  });

  it('refuses a second file with an id the handoff has (409) and stores nothing of it', async () => {
    const before = await storedCounts();
    const res = await postForm(`/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], {}, [{ bytes: Buffer.from('Another note about the kickoff.'), filename: 'order-form.pdf' }]);
    expect(res.status).toBe(409);
    const after = await storedCounts();
    expect(after).toEqual(before);
  });
});

describe('bad files get a problem+json and leave nothing stored', () => {
  const bundle = (suffix: string) => JSON.stringify(bundleWithout(suffix, ['order-form']));
  const cases: Array<{ name: string; files: () => Promise<Part[]>; status: number; code?: string; detail: RegExp }> = [
    { name: 'an encrypted PDF', files: async () => [{ bytes: await encryptedPdf(), filename: 'locked.pdf' }], status: 422, code: 'encrypted_pdf', detail: /password/ },
    { name: 'a scanned PDF (no text layer)', files: async () => [{ bytes: await scannedPdf(), filename: 'scan.pdf' }], status: 422, code: 'scanned_pdf', detail: /scanned; send a text PDF or OCR it/ },
    { name: 'a DOCX that inflates past the limit', files: async () => [{ bytes: await docxBomb(3_000_000), filename: 'bomb.docx' }], status: 413, code: 'docx_too_large', detail: /inflates to more than 1000000 bytes/ },
    {
      name: 'content that does not match its declared type',
      files: async () => [{ bytes: await pdfWithPages([['Hello.']]), filename: 'notes.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }],
      status: 415,
      code: 'type_mismatch',
      detail: /declared as .*wordprocessingml.* but its content is PDF/,
    },
    { name: 'an oversized file', files: async () => [{ bytes: Buffer.alloc(300 * 1024, 'a'), filename: 'big.txt' }], status: 413, detail: /larger than 262144 bytes/ },
    { name: 'an empty file', files: async () => [{ bytes: Buffer.alloc(0), filename: 'empty.pdf' }], status: 400, code: 'empty_file', detail: /empty/ },
    {
      name: 'a good file next to a bad one',
      files: async () => [{ bytes: await pdfWithPages([page1, page2]), filename: 'fine.pdf' }, { bytes: await scannedPdf(), filename: 'scan.pdf' }],
      status: 422,
      code: 'scanned_pdf',
      detail: /^scan\.pdf: /,
    },
  ];

  it.each(cases)('$name → $status', async ({ name, files, status, code, detail }) => {
    const before = await storedCounts();
    const suffix = `-BAD-${cases.findIndex((c) => c.name === name)}`;
    const res = await postForm('/handoffs', h.tokens['u-ben'], { bundle: bundle(suffix) }, await files());
    expect(res.status).toBe(status);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(detail);
    if (code) expect(res.body.code).toBe(code);
    if (status === 400) expect(res.body.errors[0].path).toBe('file.0');
    expect(await storedCounts()).toEqual(before);
    expect((await h.request('GET', `/handoffs/handoff-D-1042${suffix}`, { token: h.tokens.admin })).status).toBe(404);
  });

  it('a bundle field that is not JSON, or an invalid bundle, is 400 at its path and stores nothing', async () => {
    const before = await storedCounts();
    const notJson = await postForm('/handoffs', h.tokens['u-ben'], { bundle: '{not json' }, [{ bytes: Buffer.from('Note.'), filename: 'n.txt' }]);
    expect(notJson).toMatchObject({ status: 400, body: { errors: [{ path: 'bundle' }] } });
    const badKind = await postForm('/handoffs', h.tokens['u-ben'], { bundle: bundle('-BADKIND'), kind: 'contract' }, [{ bytes: Buffer.from('Note.'), filename: 'n.txt' }]);
    expect(badKind).toMatchObject({ status: 400, body: { errors: [{ path: 'kind.0' }] } });
    const invalid = await postForm('/handoffs', h.tokens['u-ben'], { bundle: JSON.stringify({ ...bundleWithout('-INV', []), trigger: 'nope' }) }, [{ bytes: Buffer.from('Note.'), filename: 'n.txt' }]);
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { path: string }) => e.path)).toContain('trigger');
    expect(await storedCounts()).toEqual(before);
  });
});

describe('malformed forms are 400 or 413 and store nothing', () => {
  it('a file in a part not named file, an unknown field, kinds not one per file, too many files', async () => {
    const before = await storedCounts();
    const note = { bytes: Buffer.from('A note.'), filename: 'n.txt' };
    const form = new FormData();
    form.append('bundle', JSON.stringify(bundleWithout('-FORM', [])));
    form.append('attachment', new Blob([note.bytes]), 'n.txt');
    const stray = await fetch(`${h.api.url}/handoffs`, { method: 'POST', headers: { authorization: `Bearer ${h.tokens['u-ben']}` }, body: form });
    expect(stray.status).toBe(400);
    expect(((await stray.json()) as { errors: Array<{ path: string }> }).errors[0].path).toBe('attachment');
    const unknown = await postForm('/handoffs', h.tokens['u-ben'], { bundle: JSON.stringify(bundleWithout('-FORM', [])), colour: 'blue' }, [note]);
    expect(unknown).toMatchObject({ status: 400, body: { errors: [{ path: 'colour' }] } });
    const kinds = await postForm('/handoffs', h.tokens['u-ben'], { bundle: JSON.stringify(bundleWithout('-FORM', [])), kind: ['email', 'sow'] }, [note]);
    expect(kinds).toMatchObject({ status: 400, body: { errors: [{ path: 'kind' }] } });
    const many = await postForm('/handoffs', h.tokens['u-ben'], { bundle: JSON.stringify(bundleWithout('-FORM', [])) }, Array.from({ length: h.config.UPLOAD_MAX_FILES + 1 }, (_v, i) => ({ bytes: Buffer.from(`Note ${i}.`), filename: `n${i}.txt` })));
    expect(many.status).toBe(413);
    expect(many.body.detail).toMatch(/at most 10 files/);
    expect(await storedCounts()).toEqual(before);
  });
});

describe('the API document', () => {
  it('shows the multipart request body of both routes', async () => {
    const doc = await h.request('GET', '/openapi.json');
    const start = doc.body.paths['/handoffs'].post.requestBody.content;
    const evidence = doc.body.paths['/handoffs/{id}/evidence'].post.requestBody.content;
    expect(Object.keys(start)).toEqual(expect.arrayContaining(['application/json', 'multipart/form-data']));
    expect(start['multipart/form-data'].schema.required).toEqual(['bundle']);
    expect(start['multipart/form-data'].schema.properties.file.type).toBe('array');
    expect(Object.keys(evidence['multipart/form-data'].schema.properties)).toEqual(expect.arrayContaining(['evidence', 'file', 'kind']));
  });
});
