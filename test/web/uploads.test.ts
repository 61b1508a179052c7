import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWebIfStale } from '../../src/dev/web-build';
import { closeExtractionPool } from '../../src/intake/extract/pool';
import { startApiHarness } from '../api/support';
import { pdfWithPages } from '../intake/files';
import { launchBrowser, signIn } from '../support/browser';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { waitForStage, type Harness } from '../support/harness';

// Evidence as files in the web app, in a real browser against the real API, worker, Temporal and
// Postgres: Ben starts a handoff from its bundle plus a real 2-page PDF order form; Ana (its owner)
// sees a citation into the PDF with its page, adds another 2-page PDF through "Add evidence" and
// sees the kind the API inferred, and gets the API's own words for a too-large and a mismatched file.

const root = path.resolve(__dirname, '..', '..');
const MAX_BYTES = 256 * 1024;
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let h: Harness;
let browser: Browser;
const contexts: BrowserContext[] = [];
const cspErrors: string[] = [];
let handoffId: string;

async function pageOf(principal: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  contexts.push(context);
  await signIn(context, h.api.url, h.pool, principal);
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) cspErrors.push(msg.text());
  });
  return page;
}

// The worked example's order form over two pages; the fees are on page 2.
const orderForm = [
  ['Order Form NW-2026-11. Customer: Northwind Health.', 'Timeline: services start on the kickoff date agreed by both parties.'],
  [
    'Fees: USD 48,000 for a 12 month term.',
    'Scope of services: (1) configuration of the Analytics workspace for up to 3 clinic locations;',
    '(2) two standard connectors: Epic scheduling export and the Kronos timekeeping export;',
    '(3) one utilization dashboard; (4) two admin training sessions of 90 minutes.',
    'Out of scope: custom integrations, historical data migration older than 24 months, and on-site work.',
    'Support: standard support, business hours, 9am-5pm ET, response within one business day.',
  ],
];

/** axe-core's serious and critical violations on the page as it is now (as test/web/app.test.ts runs it). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  type AxeResult = { violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> };
  const violations = await page.evaluate(async () => {
    const page = globalThis as unknown as { axe: { run: (ctx: unknown, opts: object) => Promise<AxeResult> }; document: unknown };
    const result = await page.axe.run(page.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

beforeAll(async () => {
  buildWebIfStale(root, () => undefined);
  h = await startApiHarness({ UPLOAD_MAX_BYTES: MAX_BYTES });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await h?.close();
  await closeExtractionPool();
});

test('sales starts a handoff from the bundle and a PDF on the new-handoff page, and sees the kind inferred to confirm', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'webfile');
  const withoutOrderForm = { ...bundle, documents: bundle.documents.filter((d) => d.id !== 'order-form') };
  const page = await pageOf('u-ben');
  await page.goto(`${h.api.url}/new`);
  await page.getByLabel('Bundle file (JSON)').setInputFiles({ name: 'bundle.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(withoutOrderForm)) });
  await page.getByRole('status').getByText('3 documents').waitFor();
  await page.getByLabel('Evidence files (optional, one document each)').setInputFiles({ name: 'order-form.pdf', mimeType: 'application/pdf', buffer: await pdfWithPages(orderForm) });
  expect(await page.getByLabel('Kind of order-form.pdf').inputValue()).toBe('');
  await page.getByRole('button', { name: 'Start the handoff' }).click();
  const answered = page.getByTestId('uploaded-files');
  await answered.waitFor();
  const line = await answered.locator('li').textContent();
  expect(line).toContain('order-form.pdf');
  expect(line).toContain('agreement');
  expect(line).toContain('inferred — confirm');
  expect(line).toContain('2 pages');
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole('link', { name: /^handoff-D-1042-webfile-/ }).click();
  handoffId = decodeURIComponent(page.url().split('/handoff/')[1]);
  expect(handoffId).toMatch(/^handoff-D-1042-webfile-/);
  // The start stored the PDF itself, linked to the handoff's document.
  const link = await h.pool.query('SELECT kind, kind_inferred FROM handoff_document_files WHERE handoff_id = $1 AND document_id = $2', [handoffId, 'order-form.pdf']);
  expect(link.rows).toEqual([{ kind: 'agreement', kind_inferred: true }]);
}, 60_000);

test('the owner sees a citation into the PDF with its page, and the source panel names the page', async () => {
  // Generous: drafting on a loaded shared machine can take a while; nothing here is timed.
  await waitForStage(h, handoffId, ['in_review'], h.tokens.admin, 80_000);
  const packet = (await h.request('GET', `/handoffs/${handoffId}/packet`, { token: h.tokens['u-ana'] })).body;
  const citations: Array<{ documentId: string; quote: string; page?: number }> = [];
  JSON.stringify(packet, (_k, v) => {
    if (v && typeof v === 'object' && typeof v.documentId === 'string' && typeof v.quote === 'string') citations.push(v);
    return v;
  });
  const fees = citations.find((c) => c.documentId === 'order-form.pdf' && c.quote.includes('48,000'));
  expect(fees?.page).toBe(2);
  const page = await pageOf('u-ana');
  await page.goto(`${h.api.url}/handoff/${handoffId}`);
  const chip = page.getByRole('button', { name: `Source: order-form.pdf p. 2, “${fees!.quote.slice(0, 80)}”` }).first();
  expect((await chip.textContent())?.replace(/\s+/g, ' ')).toBe('order-form.pdf p. 2');
  await chip.click();
  expect(await page.getByTestId('cited-page').textContent()).toBe('The quote is on page 2 of the file.');
  expect(await page.getByTestId('highlight').textContent()).toBe(fees!.quote);
  // A document that is not a PDF has chips without a page.
  const other = citations.find((c) => c.documentId !== 'order-form.pdf')!;
  expect(other.page).toBeUndefined();
  expect(await page.getByRole('button', { name: `Source: ${other.documentId}, “` }).first().textContent()).toBe(other.documentId);
}, 120_000);

test('the owner adds a 2-page PDF through "Add evidence" and sees the kind the API inferred, marked to confirm', async () => {
  const sow = await pdfWithPages([
    ['Statement of Work: Northwind Health analytics onboarding.', 'Phase 1: workspace setup for three clinics.'],
    ['Phase 2: two connectors (Epic scheduling, Kronos timekeeping).', 'Acceptance: the utilization dashboard is live for operations.'],
  ]);
  const page = await pageOf('u-ana');
  await page.goto(`${h.api.url}/handoff/${handoffId}`);
  const form = page.getByRole('form', { name: 'Add evidence' });
  await form.getByLabel('Files', { exact: true }).setInputFiles({ name: 'northwind-sow.pdf', mimeType: 'application/pdf', buffer: sow });
  await form.getByRole('button', { name: 'Add evidence' }).click();
  const line = form.getByTestId('uploaded-files').locator('li');
  await line.waitFor();
  const text = await line.textContent();
  expect(text).toContain('northwind-sow.pdf');
  expect(text).toContain('sow');
  expect(text).toContain('inferred — confirm');
  expect(text).toContain('2 pages');
  // Stored files leave the input, so a second click cannot send them again.
  expect(await form.getByLabel('Files', { exact: true }).evaluate((input) => (input as unknown as { files: { length: number } }).files.length)).toBe(0);
  expect(await axeViolations(page)).toEqual([]);
  const stored = await h.pool.query(
    `SELECT l.kind, l.kind_inferred, f.page_offsets FROM handoff_document_files l JOIN evidence_files f ON f.sha256 = l.file_sha256
      WHERE l.handoff_id = $1 AND l.file_sha256 = $2`,
    [handoffId, createHash('sha256').update(sow).digest('hex')],
  );
  expect(stored.rows).toHaveLength(1);
  expect(stored.rows[0]).toMatchObject({ kind: 'sow', kind_inferred: true });
  expect(stored.rows[0].page_offsets).toHaveLength(2);
}, 60_000);

test('a too-large file and a file whose content is not its declared type get the API\'s own words, and nothing is stored', async () => {
  const before = (await h.pool.query('SELECT count(*)::int AS n FROM handoff_document_files WHERE handoff_id = $1', [handoffId])).rows[0].n;
  const page = await pageOf('u-ana');
  await page.goto(`${h.api.url}/handoff/${handoffId}`);
  const form = page.getByRole('form', { name: 'Add evidence' });
  const files = form.getByLabel('Files', { exact: true });
  const submit = form.getByRole('button', { name: 'Add evidence' });

  await files.setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: Buffer.alloc(MAX_BYTES + 1024, 'a') });
  await submit.click();
  await form.getByRole('alert').getByText(`a file is larger than ${MAX_BYTES} bytes`, { exact: false }).waitFor();

  const docx = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  await files.setInputFiles({ name: 'notes.docx', mimeType: docx, buffer: await pdfWithPages([['Hello.']]) });
  await form.getByLabel('Kind of notes.docx').selectOption('call_notes');
  await submit.click();
  const alert = form.getByRole('alert');
  await alert.getByText('notes.docx: ', { exact: false }).waitFor();
  expect(await alert.textContent()).toMatch(/declared as .*wordprocessingml.* but its content is PDF/);

  const after = (await h.pool.query('SELECT count(*)::int AS n FROM handoff_document_files WHERE handoff_id = $1', [handoffId])).rows[0].n;
  expect(after).toBe(before);
}, 60_000);

test('the file forms, kinds and page marks break no rule of the strict CSP', () => {
  expect(cspErrors).toEqual([]);
});
