import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, signIn } from '../support/browser';
import { startHarness, type Harness } from '../support/harness';

// The browser harness itself, in real Chromium against the real API and Postgres: a person signs
// in through the link page and the session names them; a form on another origin that posts to the
// API with that session's cookie is refused and the session lives on.

let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let evil: http.Server;
let evilPort: number;

beforeAll(async () => {
  h = await startHarness({}, { worker: false });
  browser = await launchBrowser();
  context = await browser.newContext();
  // Another origin: a page that posts a form to the API as soon as it loads (its own server, no CSP).
  evil = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? '';
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>elsewhere</title>
<form method="post" action="${target}"><input name="status" value="met"></form>
<script>document.forms[0].submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilPort = (evil.address() as AddressInfo).port;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => evil?.close(resolve));
  await h?.close();
});

/** What GET /auth/session says to this browser context, read as the app reads it. */
async function session(): Promise<{ status: number; body: any }> {
  return page.evaluate(async () => {
    const res = await fetch('/auth/session', { credentials: 'same-origin' });
    return { status: res.status, body: await res.json() };
  });
}

test('signing in as u-chen through the real link page gives a session that names u-chen, in an httpOnly strict cookie', async () => {
  await signIn(context, h.api.url, h.pool, 'u-chen');
  page = await context.newPage();
  await page.goto(`${h.api.url}/`);
  expect(await session()).toMatchObject({ status: 200, body: { principal: { id: 'u-chen' }, csrfToken: expect.any(String) } });
  const [cookie] = (await context.cookies(h.api.url)).filter((c) => c.name === 'handoff_session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
  // Script on the page cannot read it.
  expect(await page.evaluate('document.cookie')).not.toContain('handoff_session');
});

test('a form auto-posted from a page of another origin is refused, and the session lives on', async () => {
  expect((await session()).status).toBe(200);
  // Same site (127.0.0.1), other port: the strict cookie IS sent, so the CSRF check is what refuses.
  const attacker = await context.newPage();
  const refused = attacker.waitForResponse((r) => r.url() === `${h.api.url}/auth/logout`);
  await attacker.goto(`http://127.0.0.1:${evilPort}/?target=${encodeURIComponent(`${h.api.url}/auth/logout`)}`);
  const answer = await refused;
  expect(answer.status()).toBe(403);
  expect(await answer.json()).toMatchObject({ status: 403, detail: expect.stringMatching(/x-csrf-token/) });

  // Another site (localhost): the browser does not even send the strict cookie.
  const write = `${h.api.url}/handoffs/handoff-nope/milestone`;
  const unsent = attacker.waitForResponse((r) => r.url() === write);
  await attacker.goto(`http://localhost:${evilPort}/?target=${encodeURIComponent(write)}`);
  expect((await unsent).status()).toBe(401);
  await attacker.close();

  expect(await session()).toMatchObject({ status: 200, body: { principal: { id: 'u-chen' } } });
});
