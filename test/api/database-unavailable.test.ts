import { Pool } from 'pg';
import { startApi } from '../../src/api/server';
import type { Harness } from '../support/harness';
import { startApiHarness } from './support';

// Postgres out of reach (every pooled connection taken, a restart) is the service's trouble, not
// the caller's: 503 with Retry-After, never 500, so clients and load balancers try again.

let h: Harness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

test('an exhausted connection pool answers 503 with Retry-After, and the API recovers once a connection frees', async () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1, connectionTimeoutMillis: 300 });
  const api = await startApi({ client: h.client, pool, config: { ...h.config, PORT: 0 } });
  const held = await pool.connect();
  try {
    const busy = await fetch(`${api.url}/handoffs`, { headers: { authorization: `Bearer ${h.tokens['u-ana']}` } });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(busy.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await busy.json()) as { detail?: string }).detail).toMatch(/database/);
  } finally {
    held.release();
  }
  const free = await fetch(`${api.url}/handoffs`, { headers: { authorization: `Bearer ${h.tokens['u-ana']}` } });
  expect(free.status).toBe(200);
  await api.close();
  await pool.end();
});
