import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startApi, type RunningApi } from '../../src/api/server';
import { createLoginLink, hashSecret } from '../../src/db/sessions';
import { startHarness, type Harness } from '../support/harness';

// Sign-in with one-time links, the session cookie, CSRF and security headers, over real HTTP
// against the real app and Postgres. Expiry is tested by moving the rows' times, never by waiting.

const run = promisify(execFile);
const cli = path.resolve(__dirname, '..', '..', 'bin', 'handoff.js');
/** The real CLI, as a person runs it, against the test Postgres. */
const handoff = (...args: string[]) => run(process.execPath, [cli, ...args], { env: process.env });

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { worker: false });
});
afterAll(async () => {
  await h?.close();
});

const linkToken = async (principalId = 'u-chen', ttlS = 900) => (await createLoginLink(h.pool, principalId, ttlS))!.token;

/** POSTs the sign-in form as the link page does (same origin). */
function postLogin(api: RunningApi, token: string, headers: Record<string, string> = {}) {
  return fetch(`${api.url}/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.url, 'sec-fetch-site': 'same-origin', ...headers },
    body: new URLSearchParams({ token }).toString(),
  });
}

const sessionCookie = (res: Response) => {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('handoff_session='));
  return { header, value: header ? header.split(';')[0].slice('handoff_session='.length) : undefined };
};

async function signIn(principalId = 'u-chen'): Promise<{ cookie: string; csrf: string }> {
  const res = await postLogin(h.api, await linkToken(principalId));
  expect(res.status).toBe(303);
  const cookie = `handoff_session=${sessionCookie(res).value}`;
  const session = await h.request('GET', '/auth/session', { headers: { cookie } });
  expect(session.status).toBe(200);
  return { cookie, csrf: session.body.csrfToken };
}

test('the link page shows a form and does not use the link; the POST signs in once, sets a strict httpOnly cookie and redirects to /', async () => {
  const token = await linkToken();
  const page = await fetch(`${h.api.url}/auth/login?token=${token}`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<form method="post" action="/auth/login">');
  expect(html).toContain(`value="${token}"`);
  expect(html).not.toMatch(/<script|style=/);

  const first = await postLogin(h.api, token);
  expect(first.status).toBe(303);
  expect(first.headers.get('location')).toBe('/');
  const { header, value } = sessionCookie(first);
  expect(header).toMatch(/HttpOnly/i);
  expect(header).toMatch(/SameSite=Strict/i);
  expect(header).toMatch(/Path=\//);
  expect(header).not.toMatch(/Secure/i); // plain HTTP here

  const session = await h.request('GET', '/auth/session', { headers: { cookie: `handoff_session=${value}` } });
  expect(session.status).toBe(200);
  expect(session.body).toMatchObject({ principal: { id: 'u-chen', roles: ['implementation', 'reviewer'] }, csrfToken: expect.any(String) });
  expect(Date.parse(session.body.expiresAt)).toBeGreaterThan(Date.now());

  const again = await postLogin(h.api, token, { accept: 'application/json' });
  expect(again.status).toBe(400);
  expect(again.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(sessionCookie(again).header).toBeUndefined();
});

test('a failed sign-in from a browser reads as a page, not JSON', async () => {
  const res = await postLogin(h.api, `hlk_${'x'.repeat(43)}`, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  expect(await res.text()).toContain('already used, has expired or is unknown');
});

test('an expired link does not sign in; a malformed one is a 400 with the field path', async () => {
  const token = await linkToken();
  await h.pool.query(`UPDATE login_links SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hashSecret(token)]);
  expect((await postLogin(h.api, token, { accept: 'application/json' })).status).toBe(400);

  const malformed = await h.request('GET', '/auth/login?token=nope');
  expect(malformed.status).toBe(400);
  expect(malformed.body.errors[0].path).toBe('query.token');
  const notAForm = await h.request('POST', '/auth/login', { body: { token } });
  expect(notAForm.status).toBe(415);
});

test('a sign-in form posted from another site is refused and signs no one in', async () => {
  const token = await linkToken();
  const res = await postLogin(h.api, token, { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', accept: 'application/json' });
  expect(res.status).toBe(403);
  expect(sessionCookie(res).header).toBeUndefined();
  expect((await postLogin(h.api, token)).status).toBe(303); // the link was not used up
});

test('the database holds only the sha256 of the session id and of the link token', async () => {
  const token = await linkToken('u-ben');
  const res = await postLogin(h.api, token);
  const { value } = sessionCookie(res);
  const sessions = await h.pool.query('SELECT id_hash, principal_id FROM sessions WHERE id_hash = $1', [hashSecret(value!)]);
  expect(sessions.rows).toEqual([{ id_hash: hashSecret(value!), principal_id: 'u-ben' }]);
  expect((await h.pool.query('SELECT 1 FROM sessions WHERE id_hash = $1', [value])).rowCount).toBe(0);
  const links = await h.pool.query('SELECT used_at FROM login_links WHERE token_hash = $1', [hashSecret(token)]);
  expect(links.rows[0].used_at).toBeInstanceOf(Date);
  expect((await h.pool.query('SELECT 1 FROM login_links WHERE token_hash = $1', [token])).rowCount).toBe(0);
});

test('a session past its idle expiry or its absolute limit is refused and its cookie cleared', async () => {
  const idle = await signIn();
  await h.pool.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1`, [hashSecret(idle.cookie.split('=')[1])]);
  const res = await h.request('GET', '/auth/session', { headers: { cookie: idle.cookie } });
  expect(res.status).toBe(401);
  expect(res.headers.getSetCookie().join()).toMatch(/handoff_session=;.*Expires=Thu, 01 Jan 1970/);

  const old = await signIn();
  await h.pool.query(`UPDATE sessions SET created_at = now() - make_interval(secs => $2 + 1) WHERE id_hash = $1`, [hashSecret(old.cookie.split('=')[1]), h.config.SESSION_ABSOLUTE_TIMEOUT_S]);
  expect((await h.request('GET', '/inbox', { headers: { cookie: old.cookie } })).status).toBe(401);
});

test('use slides the idle expiry forward', async () => {
  const s = await signIn();
  const idHash = hashSecret(s.cookie.split('=')[1]);
  await h.pool.query(`UPDATE sessions SET last_seen_at = now() - interval '10 minutes', expires_at = now() + interval '5 minutes' WHERE id_hash = $1`, [idHash]);
  const res = await h.request('GET', '/auth/session', { headers: { cookie: s.cookie } });
  expect(res.status).toBe(200);
  const { rows } = await h.pool.query(`SELECT expires_at > now() + interval '1 hour' AS slid FROM sessions WHERE id_hash = $1`, [idHash]);
  expect(rows[0].slid).toBe(true);
});

test('cookie reads work like bearer reads; bearer tokens keep working and have no session', async () => {
  const s = await signIn();
  const viaCookie = await h.request('GET', '/inbox', { headers: { cookie: s.cookie } });
  const viaBearer = await h.request('GET', '/inbox', { token: h.tokens['u-chen'] });
  expect(viaCookie.status).toBe(200);
  expect(viaBearer.status).toBe(200);
  expect(viaCookie.body).toEqual(viaBearer.body);
  expect((await h.request('GET', '/auth/session', { token: h.tokens['u-chen'] })).status).toBe(401);
  expect((await h.request('GET', '/inbox')).status).toBe(401);
  // A bearer write is not CSRF-checked: it reaches the route (404: no such handoff).
  const bearerWrite = await h.request('POST', '/handoffs/handoff-nope/milestone', { token: h.tokens['u-chen'], body: { status: 'met' } });
  expect(bearerWrite.status).toBe(404);
});

test('a cookie write needs the CSRF token and this origin', async () => {
  const s = await signIn();
  const write = (headers: Record<string, string>) => h.request('POST', '/handoffs/handoff-nope/milestone', { headers: { cookie: s.cookie, ...headers }, body: { status: 'met' } });

  const bare = await write({});
  expect(bare.status).toBe(403);
  expect(bare.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(bare.body.detail).toMatch(/x-csrf-token/);
  expect((await write({ 'x-csrf-token': 'wrong' })).status).toBe(403);
  // The right token from a page of another origin (a cross-site form cannot set headers, but defence in depth).
  expect((await write({ 'x-csrf-token': s.csrf, origin: 'http://evil.example' })).status).toBe(403);
  expect((await write({ 'x-csrf-token': s.csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  // A cross-site form post: no token, a foreign Origin.
  const form = await h.request('POST', '/handoffs/handoff-nope/milestone', {
    headers: { cookie: s.cookie, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'status=met',
  });
  expect(form.status).toBe(403);

  // With the token from this origin the write reaches the route (404: no such handoff).
  const passed = await write({ 'x-csrf-token': s.csrf, origin: h.api.url, 'sec-fetch-site': 'same-origin' });
  expect(passed.status).toBe(404);
});

test('sign-out deletes the session row and clears the cookie; it needs the CSRF token too', async () => {
  const s = await signIn();
  const idHash = hashSecret(s.cookie.split('=')[1]);
  expect((await h.request('POST', '/auth/logout', { headers: { cookie: s.cookie } })).status).toBe(403);
  const out = await h.request('POST', '/auth/logout', { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: h.api.url } });
  expect(out.status).toBe(204);
  expect(out.headers.getSetCookie().join()).toMatch(/handoff_session=;/);
  expect((await h.pool.query('SELECT 1 FROM sessions WHERE id_hash = $1', [idHash])).rowCount).toBe(0);
  expect((await h.request('GET', '/auth/session', { headers: { cookie: s.cookie } })).status).toBe(401);
});

test('the cookie is Secure when the request came over HTTPS through a trusted proxy, or when config says so', async () => {
  const proxied = await startApi({ client: h.client, pool: h.pool, config: { ...h.config, TRUST_PROXY: true } });
  const always = await startApi({ client: h.client, pool: h.pool, config: { ...h.config, SESSION_COOKIE_SECURE: true } });
  try {
    const viaProxy = await postLogin(proxied, await linkToken(), { 'x-forwarded-proto': 'https', origin: proxied.url.replace('http:', 'https:') });
    expect(viaProxy.status).toBe(303);
    expect(sessionCookie(viaProxy).header).toMatch(/;\s*Secure/i);
    // Without trust proxy the header is not believed.
    const untrusted = await postLogin(h.api, await linkToken(), { 'x-forwarded-proto': 'https' });
    expect(sessionCookie(untrusted).header).not.toMatch(/Secure/i);
    const configured = await postLogin(always, await linkToken());
    expect(sessionCookie(configured).header).toMatch(/;\s*Secure/i);
  } finally {
    await proxied.close();
    await always.close();
  }
});

test('every answer carries a strict CSP without inline script, and no framing', async () => {
  for (const path of ['/healthz', '/auth/login?token=nope', '/inbox']) {
    const res = await fetch(`${h.api.url}${path}`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  }
});

test('handoff login-link prints a link that signs in; unknown principals and bad TTLs exit 2', async () => {
  const { stdout } = await handoff('login-link', '--principal', 'u-ana', '--ttl', '5m', '--base-url', h.api.url);
  const link = new URL(stdout.trim());
  expect(`${link.origin}${link.pathname}`).toBe(`${h.api.url}/auth/login`);
  const token = link.searchParams.get('token')!;
  const { rows } = await h.pool.query(`SELECT expires_at <= now() + interval '5 minutes' AS within FROM login_links WHERE token_hash = $1`, [hashSecret(token)]);
  expect(rows[0].within).toBe(true);
  const res = await postLogin(h.api, token);
  expect(res.status).toBe(303);
  const session = await h.request('GET', '/auth/session', { headers: { cookie: `handoff_session=${sessionCookie(res).value}` } });
  expect(session.body.principal.id).toBe('u-ana');

  await expect(handoff('login-link', '--principal', 'u-nobody-here')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/no principal "u-nobody-here"/) });
  await expect(handoff('login-link', '--principal', 'u-ana', '--ttl', 'soon')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--ttl must be a duration/) });
});

test('revoking a principal (handoff tokens revoke) also signs them out and voids their unused links', async () => {
  const principal = `u-leaver-${Date.now()}`;
  await h.pool.query(`INSERT INTO principals (id, name, roles) VALUES ($1, 'Leaver', '{reviewer}')`, [principal]);
  const s = await signIn(principal);
  const unused = await linkToken(principal);
  const { stderr } = await handoff('tokens', 'revoke', '--principal', principal);
  expect(stderr).toMatch(/ended 1 browser session/);
  expect((await h.request('GET', '/auth/session', { headers: { cookie: s.cookie } })).status).toBe(401);
  expect((await postLogin(h.api, unused, { accept: 'application/json' })).status).toBe(400);
});
