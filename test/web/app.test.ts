import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWebIfStale } from '../../src/dev/web-build';
import { handoffInReview, startApiHarness } from '../api/support';
import { launchBrowser, signIn } from '../support/browser';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { waitForStage, type Harness } from '../support/harness';

// The web app in a real browser (Debian's Chromium through playwright-core), signed in by one-time
// links, against the real API, worker, Temporal and Postgres: the worked example end to end with
// three people in three browser contexts, citations, what a bystander is shown and refused, axe on
// every page, and one screenshot per page in .data/screenshots.

const root = path.resolve(__dirname, '..', '..');
const shots = path.join(root, '.data', 'screenshots');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let h: Harness;
let browser: Browser;
const people: Record<string, { context: BrowserContext; page: Page; cspErrors: string[] }> = {};
let handoffId: string;
let bundleFile: string;
let acceptedBefore: number;

async function as(principal: string): Promise<Page> {
  if (!people[principal]) {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    await signIn(context, h.api.url, h.pool, principal);
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) cspErrors.push(msg.text());
    });
    people[principal] = { context, page, cspErrors };
  }
  return people[principal].page;
}

/** axe-core's serious and critical violations on the page as it is now (axe injected past the CSP through the devtools protocol). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  // Runs in the page: the root tsconfig has no DOM types, so the page's globals are reached through globalThis.
  type AxeResult = { violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> };
  const violations = await page.evaluate(async () => {
    const page = globalThis as unknown as { axe: { run: (ctx: unknown, opts: object) => Promise<AxeResult> }; document: unknown };
    const result = await page.axe.run(page.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

/** Checks the page with axe and saves its screenshot. */
async function checkPage(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  expect({ page: name, violations: await axeViolations(page) }).toEqual({ page: name, violations: [] });
}

async function waitForStageShown(page: Page, stage: string): Promise<void> {
  await page.locator('.summary-line .badge.stage', { hasText: stage }).waitFor({ timeout: 30_000 });
}

beforeAll(async () => {
  buildWebIfStale(root, () => undefined);
  mkdirSync(shots, { recursive: true });
  h = await startApiHarness();
  browser = await launchBrowser();
  const bundle = withDealId(loadSharedFixture('worked-example'), 'web');
  bundleFile = path.join(os.tmpdir(), `${bundle.dealId}.json`);
  writeFileSync(bundleFile, JSON.stringify(bundle, null, 2));
  acceptedBefore = (await h.request('GET', '/metrics/handoffs', { token: h.tokens['u-ana'] })).body.overall.accepted;
}, 120_000);

afterAll(async () => {
  for (const { context } of Object.values(people)) await context.close().catch(() => undefined);
  await browser?.close();
  await h?.close();
});

test('without a session the app asks for a sign-in link', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${h.api.url}/`);
    await page.getByText('Ask for a sign-in link').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Handoff');
    await checkPage(page, 'sign-in-needed');
  } finally {
    await context.close();
  }
});

test('sales starts the handoff by uploading the bundle file on the new-handoff page', async () => {
  const page = await as('u-ben');
  await page.goto(`${h.api.url}/new`);
  await page.getByLabel('Bundle file (JSON)').setInputFiles(bundleFile);
  await page.getByRole('status').getByText('4 documents').waitFor();
  await checkPage(page, 'new-handoff');
  await page.getByRole('button', { name: 'Start the handoff' }).click();
  await page.waitForURL(/\/handoff\/handoff-D-1042-web-/);
  handoffId = decodeURIComponent(page.url().split('/handoff/')[1]);
  await waitForStageShown(page, 'in review');
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Northwind');
});

test('a citation chip opens its source document with the quote highlighted in context', async () => {
  const page = await as('u-chen');
  await page.goto(`${h.api.url}/handoff/${handoffId}`);
  const packet = (await h.request('GET', `/handoffs/${handoffId}/packet`, { token: h.tokens['u-chen'] })).body;
  const cited = packet.contractFacts[0].sources[0];
  await page.locator('#sec-facts').locator('..').getByRole('button', { name: `Source: ${cited.documentId}` }).first().click();
  const highlight = page.getByTestId('highlight');
  await highlight.waitFor();
  expect(await highlight.textContent()).toBe(cited.quote);
  const whole = await page.getByTestId('source-text').textContent();
  expect(whole!.length).toBeGreaterThan(cited.quote.length);
  expect(await page.locator('#source-title').textContent()).toBeTruthy();
  // The viewport as a reader sees it (the README shows this one).
  await page.screenshot({ path: path.join(shots, 'handoff-citation-viewport.png') });
  await checkPage(page, 'handoff-citation');
});

test('someone whose items these are not sees no decision buttons, and the same request forged from that session is refused 403', async () => {
  const page = await as('u-ben');
  await page.goto(`${h.api.url}/handoff/${handoffId}`);
  await page.getByRole('heading', { name: 'Review items' }).waitFor();
  const items = await page.locator('[data-testid^="review-"]').count();
  expect(items).toBeGreaterThan(0);
  expect(await page.getByRole('button', { name: /^(Approve|Reject) / }).count()).toBe(0);
  const view = (await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens['u-ben'] })).body;
  const item = view.reviewItems[0];
  expect(item.routeTo).not.toBe('u-ben');
  // From Ben's own session, with its CSRF token: only the server's rule stands in the way.
  const forged = await page.evaluate(async ({ id, itemId, version }) => {
    const session = (await (await fetch('/auth/session')).json()) as { csrfToken: string };
    const res = await fetch(`/handoffs/${id}/review-items/${itemId}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
      body: JSON.stringify({ decision: 'approved', packetVersion: version }),
    });
    return { status: res.status, body: (await res.json()) as { detail?: string } };
  }, { id: handoffId, itemId: item.id, version: view.packet.version });
  expect(forged.status).toBe(403);
  expect(forged.body.detail).toBeTruthy();
  const after = (await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens['u-chen'] })).body;
  expect(after.reviewItems.find((i: { id: string }) => i.id === item.id).decision).toBeUndefined();
});

test('Chen finds his items in the inbox and decides every one in place, Ana answers who owns the data extraction from hers, and both owners sign the exact version and hash', async () => {
  const chen = await as('u-chen');
  await chen.goto(`${h.api.url}/`);
  // Other test files leave Chen items too: this handoff's are the newest, so they may be pages away.
  const mine = chen.getByTestId('inbox-item').filter({ has: chen.locator(`a[href^="/handoff/${handoffId}#"]`) });
  await chen.getByTestId('count-total').waitFor();
  expect(Number(await chen.getByTestId('count-total').textContent())).toBeGreaterThan(0);
  while ((await mine.count()) === 0) {
    const more = chen.getByRole('button', { name: /^Show more/ });
    await more.waitFor({ timeout: 10_000 });
    if (await more.isEnabled()) await more.click();
    else await chen.waitForTimeout(100);
  }
  await checkPage(chen, 'inbox');
  await mine.first().getByRole('link').click();
  await chen.waitForURL(new RegExp(`/handoff/${handoffId}`));

  const view = (await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens['u-chen'] })).body;
  const itemIds: string[] = view.reviewItems.filter((i: { routeTo: string }) => i.routeTo === 'u-chen').map((i: { id: string }) => i.id);
  expect(itemIds.length).toBe(view.reviewItems.length);
  for (const itemId of itemIds) {
    const card = chen.getByTestId(`review-${itemId}`);
    await card.getByLabel(`Comment on ${itemId}`).fill('Not in the order form; reset at kickoff');
    await card.getByRole('button', { name: `Reject ${itemId}` }).click();
    await card.getByText('rejected by u-chen').waitFor();
  }
  // Nobody owns the data extraction: review waits for the handoff owner's answer, which Chen cannot give.
  const question = view.openQuestions.find((q: { blocking: boolean }) => q.blocking);
  expect(question).toMatchObject({ id: 'q1', askedOf: 'u-ana' });
  expect(await chen.getByLabel(`Answer to ${question.id}`).count()).toBe(0);
  expect(await chen.locator('.summary-line .badge.stage').textContent()).toContain('in review');

  const ana = await as('u-ana');
  await ana.goto(`${h.api.url}/`);
  const asked = ana.getByTestId('inbox-item').filter({ has: ana.locator(`a[href="/handoff/${handoffId}#${question.id}"]`) });
  await ana.getByTestId('count-total').waitFor();
  while ((await asked.count()) === 0) {
    const more = ana.getByRole('button', { name: /^Show more/ });
    await more.waitFor({ timeout: 10_000 });
    if (await more.isEnabled()) await more.click();
    else await ana.waitForTimeout(100);
  }
  expect(await asked.textContent()).toContain('Question');
  expect(await asked.textContent()).toContain('Epic and Kronos');
  expect(await asked.textContent()).toContain('Blocking');
  await asked.getByRole('link').click();
  await ana.waitForURL(new RegExp(`/handoff/${handoffId}`));
  const card = ana.locator(`li#${question.id}`);
  await card.getByLabel(`Answer to ${question.id}`).fill('Northwind Health (Eli Park) pulls the Epic and Kronos exports; we load them.');
  await checkPage(ana, 'handoff-question');
  await card.getByRole('button', { name: 'Send answer' }).click();
  await card.getByText('answered by u-ana').waitFor();
  await waitForStageShown(chen, 'awaiting signoff');
  const signed = (await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens['u-chen'] })).body.packet;
  expect(await chen.getByTestId('sign-hash').textContent()).toBe(signed.hash);
  expect(await chen.getByTestId('sign-version').textContent()).toBe(String(signed.version));
  await checkPage(chen, 'handoff-signoff');

  const ben = await as('u-ben');
  await ben.goto(`${h.api.url}/handoff/${handoffId}`);
  await ben.getByRole('button', { name: `Sign packet v${signed.version} as sales` }).click();
  await chen.getByRole('button', { name: `Sign packet v${signed.version} as implementation` }).click();
  await waitForStageShown(chen, 'first milestone');
  await chen.getByRole('heading', { name: 'Kickoff materials' }).waitFor();
  expect(await chen.locator('.kickoff pre').textContent()).toContain('Northwind');
  await checkPage(chen, 'handoff-kickoff');
  const state = await waitForStage(h, handoffId, ['first_milestone']);
  expect(state.signoffs.sales.packetHash).toBe(signed.hash);
  expect(state.signoffs.implementation.packetHash).toBe(signed.hash);
});

test('Ana sees the handoff on the board in its stage and the dashboard moves', async () => {
  const ana = await as('u-ana');
  await ana.goto(`${h.api.url}/board`);
  await ana.getByLabel('Search customer').fill('Northwind');
  const card = ana.locator(`[data-handoff="${handoffId}"]`);
  await card.waitFor();
  expect(await card.locator('xpath=ancestor::section[1]//h2').textContent()).toContain('first milestone');
  expect(await card.getByRole('link', { name: /Temporal history/ }).getAttribute('href')).toContain(`/workflows/${encodeURIComponent(handoffId)}`);
  await checkPage(ana, 'board');

  await ana.goto(`${h.api.url}/dashboard`);
  await ana.getByTestId('metric-accepted').waitFor();
  expect(Number(await ana.getByTestId('metric-accepted').textContent())).toBe(acceptedBefore + 1);
  await ana.locator('.chart canvas').first().waitFor();
  await checkPage(ana, 'dashboard');
});

test('a redraft requested in one tab shows the new version and what changed; a decision from a stale tab is told the packet changed and offered it', async () => {
  const { handoffId: id } = await handoffInReview(h, 'web-redraft');
  await as('u-chen');
  const { context } = people['u-chen'];
  // The stale tab loads version 1, then its reloads of the handoff fail (as on a flaky network), so
  // it keeps showing version 1 while another tab moves the packet on; its writes still go through.
  const stale = await context.newPage();
  await stale.goto(`${h.api.url}/handoff/${id}`);
  await stale.getByRole('button', { name: 'Approve r1' }).waitFor();
  const viewUrl = (url: URL) => url.pathname === `/handoffs/${id}`;
  await stale.route(viewUrl, (route) => (route.request().method() === 'GET' ? route.abort() : route.continue()));

  const fresh = await context.newPage();
  await fresh.goto(`${h.api.url}/handoff/${id}`);
  await fresh.getByLabel('What should change in the packet').fill('Name who pulls the Epic export and by when');
  await fresh.getByRole('button', { name: 'Request a redraft' }).click();
  await fresh.getByTestId('packet-version').filter({ hasText: 'Packet v2' }).waitFor({ timeout: 30_000 });
  await fresh.getByRole('heading', { name: 'What changed from version 1 to 2' }).waitFor();
  await checkPage(fresh, 'handoff-redraft');

  expect(await stale.getByTestId('packet-version').textContent()).toContain('Packet v1');
  await stale.getByRole('button', { name: 'Approve r1' }).click();
  const told = stale.getByRole('alert').filter({ hasText: 'The packet changed since you loaded it.' });
  await told.waitFor();
  await stale.unroute(viewUrl);
  await told.getByRole('button', { name: 'Load the new version' }).click();
  await stale.getByTestId('packet-version').filter({ hasText: 'Packet v2' }).waitFor();
  const view = (await h.request('GET', `/handoffs/${id}`, { token: h.tokens['u-chen'] })).body;
  expect(view.packet.version).toBe(2);
  expect(view.reviewItems.find((i: { id: string }) => i.id === 'r1').decision).toBeUndefined();
  await stale.close();
  await fresh.close();
});

test('no page broke the Content-Security-Policy', () => {
  for (const [who, { cspErrors }] of Object.entries(people)) expect({ who, cspErrors }).toEqual({ who, cspErrors: [] });
});
