import { runAlone } from './processes';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { startApi } from '../src/api/server';
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { createToken } from '../src/db/tokens';
import { measurementKinds } from '../src/domain/measurement';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres';
import { freePort } from '../src/dev/free-port';
import { progressFixture } from '../test/db/progress-fixture';

// The read model at scale (issue 10, targets: GET /inbox and GET /handoffs?owner= p99 ≤ 50 ms with
// 10,000 handoffs and 50,000 pending items; the measurement summary ≤ 100 ms over 100,000 events).
// Postgres only: the API's Temporal client is never connected, so every answer is the read model's.

const HANDOFFS = 10_000;
const ITEMS_PER_HANDOFF = 5;
const PEOPLE = 200;
const OWNERS = 100;
const EVENTS = 100_000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (n: number) => Math.round(n * 100) / 100;

async function timed(requests: number, send: (i: number) => Promise<Response>): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    const res = await send(i);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`bench request answered ${res.status}`);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)) };
}

export async function benchReadModel(options: { quick?: boolean } = {}): Promise<{ name: string; figures: Record<string, number> }> {
  const dataDir = path.resolve(__dirname, '..', '.data', `bench-read-model-${process.pid}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.chmodSync(dataDir, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort(), persistent: false });
  const pool = createPool(postgres.url);
  // Lazy: never connects, since no read asks a workflow.
  const client = new Client();
  const api = await startApi({ client, pool, config: { ...loadConfig({ ...process.env, DATABASE_URL: postgres.url }), PORT: 0, LOG_LEVEL: 'silent' } });
  try {
    await migrate(postgres.url);
    // Every handoff holds a realistic state (the worked example's shape); people and owners spread evenly.
    const template = progressFixture('handoff-TEMPLATE', 1).state;
    const t0 = performance.now();
    await pool.query(
      `INSERT INTO handoffs (handoff_id, deal_id, customer_name, stage, bundle_hash, packet_version, handoff_owner, sales_owner, implementation_owner, kickoff_target, assignees, owners, state, revision, created_at)
       SELECT 'handoff-B-' || i, 'B-' || i, 'Customer ' || (i % 997), 'in_review', 'sha256:b', 1,
              'u-owner-' || (i % $2), 'u-owner-' || ((i + 1) % $2), 'u-owner-' || ((i + 2) % $2), '2026-12-03', '{}',
              jsonb_build_object('handoffOwner', 'u-owner-' || (i % $2), 'sales', 'u-owner-' || ((i + 1) % $2), 'implementation', 'u-owner-' || ((i + 2) % $2)),
              jsonb_set(jsonb_set($3::jsonb, '{handoffId}', to_jsonb('handoff-B-' || i)), '{dealId}', to_jsonb('B-' || i)), 1,
              now() - make_interval(secs => i)
         FROM generate_series(1, $1) AS i`,
      [HANDOFFS, OWNERS, JSON.stringify(template)],
    );
    await pool.query(
      `INSERT INTO pending_items (handoff_id, item_id, kind, assignee, summary, blocking, since, due_at, escalated)
       SELECT 'handoff-B-' || i, 'r' || k, 'review_item', 'u-person-' || ((i * $2 + k) % $3), 'Promised but not in the contract', true,
              now() - interval '3 days', now() + make_interval(mins => ((i * 7 + k * 131) % 10000) - 5000), (i + k) % 11 = 0
         FROM generate_series(1, $1) AS i, generate_series(1, $2) AS k`,
      [HANDOFFS, ITEMS_PER_HANDOFF, PEOPLE],
    );
    await pool.query(
      `INSERT INTO measurement_events (key, handoff_id, deal_id, kind, value, owner, detail, at)
       SELECT 'm-' || e, 'handoff-B-' || (e % $2), 'B-' || (e % $2), ($3::text[])[1 + e % array_length($3::text[], 1)], (e % 5)::float8 / 4,
              'u-owner-' || (e % 50), '{}', timestamptz '2026-01-01' + make_interval(hours => e % 8000)
         FROM generate_series(1, $1) AS e`,
      [EVENTS, HANDOFFS, [...measurementKinds]],
    );
    await pool.query('ANALYZE');
    const seedS = (performance.now() - t0) / 1000;

    const people = await Promise.all(Array.from({ length: 20 }, (_, i) => createToken(pool, { id: `u-person-${i * 7}`, name: `Person ${i}`, roles: ['reviewer'] })));
    const owners = Array.from({ length: 20 }, (_, i) => `u-owner-${i * 5}`);
    const ops = await createToken(pool, { id: 'u-bench-ops', name: 'Bench Ops', roles: ['ops'] });
    const get = (url: string, token: string) => fetch(`${api.url}${url}`, { headers: { authorization: `Bearer ${token}` } });

    const requests = options.quick ? 100 : 500;
    // Warm the pool and plans before measuring.
    await timed(20, (i) => get('/inbox', people[i % people.length]));
    const inbox = await timed(requests, (i) => get('/inbox', people[i % people.length]));
    const list = await timed(requests, (i) => get(`/handoffs?owner=${owners[i % owners.length]}`, ops));
    const one = await timed(requests, (i) => get(`/handoffs/handoff-B-${1 + ((i * 37) % HANDOFFS)}`, ops));
    const summaryRuns = options.quick ? 5 : 15;
    // One of each first, as for the inbox: the first request of a kind plans and reads cold pages.
    for (const groupBy of ['', '?groupBy=owner', '?groupBy=month']) await timed(1, () => get(`/metrics/handoffs${groupBy}`, ops));
    const summary = await timed(summaryRuns, () => get('/metrics/handoffs', ops));
    const byOwner = await timed(summaryRuns, () => get('/metrics/handoffs?groupBy=owner', ops));
    const byMonth = await timed(summaryRuns, () => get('/metrics/handoffs?groupBy=month', ops));
    return {
      name: `read model: ${HANDOFFS} handoffs, ${HANDOFFS * ITEMS_PER_HANDOFF} pending items, ${EVENTS} measurement events (Postgres only, no workflow)`,
      figures: {
        'seed, s': round(seedS),
        'GET /inbox p50, ms': inbox.p50,
        'GET /inbox p99, ms (≤ 50)': inbox.p99,
        'GET /handoffs?owner= p50, ms': list.p50,
        'GET /handoffs?owner= p99, ms (≤ 50)': list.p99,
        'GET /handoffs/:id p99, ms': one.p99,
        'summary p50, ms': summary.p50,
        'summary, worst, ms (≤ 100)': summary.p99,
        'summary by owner p50, ms': byOwner.p50,
        'summary by owner, worst, ms': byOwner.p99,
        'summary by month p50, ms': byMonth.p50,
        'summary by month, worst, ms': byMonth.p99,
        // Other work on the machine stretches every time here: say how busy it was.
        'load average (1 min) at the end': round(os.loadavg()[0]),
      },
    };
  } finally {
    await api.close();
    await pool.end();
    await postgres.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) runAlone(benchReadModel, 36);
