import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApi } from '../../src/api/server';
import { startHarness, type Harness } from '../support/harness';

// The API serves the built web app: files of web/dist (hashed assets cached for good, index.html
// revalidated), index.html for any other page GET, JSON 404s kept for API paths, and a page that
// says how to build the app when there is no build. A small dist is written here; the real build
// is exercised by the browser tests.

let h: Harness;
let dist: string;
beforeAll(async () => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'web-dist-'));
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Handoff app</title><script type="module" src="/assets/app-Bx12cd34.js"></script>');
  fs.writeFileSync(path.join(dist, 'assets', 'app-Bx12cd34.js'), 'console.log("app")');
  h = await startHarness({ WEB_DIST_DIR: dist }, { worker: false });
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dist, { recursive: true, force: true });
});

const get = (url: string, accept = 'text/html,application/xhtml+xml,*/*;q=0.8') => fetch(`${h.api.url}${url}`, { headers: { accept } });

test('/ is the app, revalidated on every load, under the strict CSP', async () => {
  const res = await get('/');
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('<title>Handoff app</title>');
  expect(res.headers.get('cache-control')).toBe('no-cache');
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
});

test('hashed assets are cached for a year as immutable', async () => {
  const res = await get('/assets/app-Bx12cd34.js', '*/*');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/javascript/);
  expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
});

test('other page paths get the app (it routes in the browser)', async () => {
  const res = await get('/board/overdue');
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('<title>Handoff app</title>');
  expect(res.headers.get('cache-control')).toBe('no-cache');
});

test('API paths, non-page requests and writes keep their problem+json answers', async () => {
  const apiPath = await get('/handoffs/h-1/no-such-thing');
  expect(apiPath.status).toBe(404);
  expect(apiPath.headers.get('content-type')).toMatch(/application\/problem\+json/);
  const missingAsset = await get('/assets/gone-12345678.js', 'application/javascript');
  expect(missingAsset.status).toBe(404);
  expect(missingAsset.headers.get('content-type')).toMatch(/application\/problem\+json/);
  const image = await get('/logo.png', 'image/png');
  expect(image.status).toBe(404);
  const post = await fetch(`${h.api.url}/board`, { method: 'POST', headers: { accept: 'text/html' } });
  expect(post.status).toBe(404);
  // An API route a browser navigates to still answers JSON (here: 401 without a session).
  const inbox = await get('/inbox');
  expect(inbox.status).toBe(401);
  expect(inbox.headers.get('content-type')).toMatch(/application\/problem\+json/);
});

test('without a build the API still runs and / says to run npm run web:build', async () => {
  const unbuilt = await startApi({ client: h.client, pool: h.pool, config: { ...h.config, WEB_DIST_DIR: path.join(dist, 'not-built') } });
  try {
    const res = await fetch(`${unbuilt.url}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('npm run web:build');
    expect((await fetch(`${unbuilt.url}/healthz`)).status).toBe(200);
  } finally {
    await unbuilt.close();
  }
});
