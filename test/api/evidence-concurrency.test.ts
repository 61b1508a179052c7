import { startApi, type RunningApi } from '../../src/api/server';
import { loadBundle } from '../../src/db/bundles';
import { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import type { Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// Concurrent evidence posts to one handoff, on two API instances sharing Postgres: each used to
// hold a pooled connection for its lock while its work waited for another, and ten of them froze
// the whole API. Now every post completes and no document is lost.

let h: Harness;
let second: { api: RunningApi; pool: Pool };
beforeAll(async () => {
  h = await startApiHarness();
  // Another API instance with its own pool: the advisory lock, not process memory, must keep them apart.
  const pool = createPool(h.config.DATABASE_URL!);
  second = { pool, api: await startApi({ client: h.client, pool, config: h.config }) };
});
afterAll(async () => {
  await second?.api.close();
  await second?.pool.end();
  await h?.close();
});

const document = (id: string) => ({ id, kind: 'email', capturedAt: '2026-11-20T10:00:00Z', text: `Follow-up ${id}: the customer confirmed the data export owner.` });

async function post(url: string, token: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

test('twelve concurrent evidence posts across two API instances all complete and keep every document', async () => {
  const { handoffId, state } = await handoffInReview(h, 'concurrent-evidence');
  const before = (await loadBundle(h.pool, state.bundleHash)).documents.map((d) => d.id);
  const posters = [h.tokens['u-ana'], h.tokens['u-ben'], h.tokens.admin];
  const ids = Array.from({ length: 12 }, (_, i) => `followup-${i + 1}`);

  const started = Date.now();
  const answers = await Promise.all(
    ids.map((id, i) => post(`${(i % 2 ? second.api : h.api).url}/handoffs/${handoffId}/evidence`, posters[i % posters.length], { documents: [document(id)] })),
  );
  // While they ran, the API kept answering other requests.
  const read = await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens.admin });

  expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
  expect(read.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(30_000);
  const after = await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens.admin });
  const documents = (await loadBundle(h.pool, after.body.bundleHash)).documents.map((d) => d.id);
  expect(documents.sort()).toEqual([...before, ...ids].sort());
});

test('a pool of one connection still serves concurrent evidence posts (one connection per change, never two)', async () => {
  const { handoffId, state } = await handoffInReview(h, 'one-connection');
  // The worker keeps its own pool; this API instance gets a single connection for everything
  // (tokens, access checks, bundles, locks). The lock holder needing a second one would hang here.
  const pool = new Pool({ connectionString: h.config.DATABASE_URL!, max: 1, connectionTimeoutMillis: 20_000 });
  const tiny = await startApi({ client: h.client, pool, config: h.config });
  try {
    const ids = Array.from({ length: 10 }, (_, i) => `tiny-${i + 1}`);
    const answers = await Promise.all(ids.map((id) => post(`${tiny.url}/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], { documents: [document(id)] })));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    const latest = answers.map((a) => a.body.bundleHash).find((hash) => hash !== state.bundleHash);
    expect(latest).toBeDefined();
    const current = await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens.admin });
    const documents = (await loadBundle(h.pool, current.body.bundleHash)).documents.map((d) => d.id);
    expect(documents).toEqual(expect.arrayContaining(ids));
  } finally {
    await tiny.close();
    await pool.end();
  }
});
