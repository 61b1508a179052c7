import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { createPool, type Pool } from '../../src/db/pool';
import { summarizeMeasurements, type MeasurementFigures, type SummaryGrouping } from '../../src/db/measurements';
import { measurementKinds } from '../../src/domain/measurement';

// The all-time summary reads measurement_contributions (migration 1737900000000), which a trigger
// keeps from measurement_events; a date range still aggregates the events themselves, with the
// statement the summary used before (src/db/measurements.ts, summarizeEvents). On a database of its
// own, seeded with events from before the migration (its backfill), after it (the trigger), then
// deleted and updated ones, both must give the same figures for every grouping.

const MY_MIGRATION = 1737900000000;
let admin: Client;
let pool: Pool;
let database: string;

/** Runs the project's migrations (as src/db/migrate.ts does), up to `before` when given. */
function migrate(url: string, before?: number) {
  const options = {
    databaseUrl: url,
    dir: path.resolve(__dirname, '../../src/db/migrations'),
    direction: 'up',
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    log: 'LOG',
    ...(before ? { count: before - 1, timestamp: true } : { count: 'Infinity' }),
  };
  // node-pg-migrate is ESM-only: a child process loads it natively.
  const script = `import { runner } from 'node-pg-migrate';
    const o = JSON.parse(process.env.MIGRATE_OPTIONS); o.count = Number(o.count); o.log = () => {};
    await runner(o);`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve(__dirname, '../..'), env: { ...process.env, MIGRATE_OPTIONS: JSON.stringify(options) }, stdio: 'pipe' });
}

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Event { key: string; handoffId: string; kind: string; value: number; owner: string | null; at: string }

function seedEvents(prefix: string, handoffs: number, rnd: () => number): Event[] {
  const owners = ['u-ana', 'u-chen', 'u-sam', null];
  // Month edges on purpose: 23:30 UTC on the 31st, and a +02:00 time that is still January in UTC.
  const times = ['2025-12-31T23:30:00Z', '2026-01-01T00:00:00Z', '2026-02-01T01:10:00+02:00', '2026-02-14T12:00:00Z', '2026-03-02T08:00:00Z'];
  const kinds = [...measurementKinds, 'legacy_kind'];
  const events: Event[] = [];
  for (let h = 0; h < handoffs; h++) {
    const handoffOwner = owners[Math.floor(rnd() * owners.length)];
    const count = 1 + Math.floor(rnd() * 10);
    for (let i = 0; i < count; i++) {
      const kind = kinds[Math.floor(rnd() * kinds.length)];
      // Readiness is 1 (met) or 0 (not met); the rest a score or a count with fractions.
      const value = kind === 'first_milestone_readiness' ? Math.round(rnd()) : Math.round(rnd() * 3000) / 1000;
      events.push({
        key: `${prefix}-${h}-${i}`,
        handoffId: `handoff-m-${h}`,
        kind,
        value,
        // Now and then the owner changed during the handoff.
        owner: rnd() < 0.2 ? owners[Math.floor(rnd() * owners.length)] : handoffOwner,
        at: times[Math.floor(rnd() * times.length)],
      });
    }
  }
  return events;
}

async function insert(events: Event[]) {
  for (let i = 0; i < events.length; i += 500) {
    const chunk = events.slice(i, i + 500);
    // As the bookkeeping writes them: idempotent by key, so a repeated key adds nothing.
    await pool.query(
      `INSERT INTO measurement_events (key, handoff_id, deal_id, kind, value, owner, at)
       SELECT key, handoff_id, handoff_id, kind, value, owner, at FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::timestamptz[])
           AS e (key, handoff_id, kind, value, owner, at)
       ON CONFLICT (key) DO NOTHING`,
      [chunk.map((e) => e.key), chunk.map((e) => e.handoffId), chunk.map((e) => e.kind), chunk.map((e) => e.value), chunk.map((e) => e.owner), chunk.map((e) => e.at)],
    );
  }
}

/**
 * Sums compared to 1e-9: the two statements add the same values in another order. Kinds the domain
 * does not name (legacy_kind) count their handoff in both, but only the events' statement lists
 * their sums, which the route never reads.
 */
const comparable = (f: MeasurementFigures) =>
  [f.overall, ...f.groups].map((g) => ({
    ...g,
    kinds: Object.fromEntries(
      Object.entries(g.kinds)
        .filter(([k]) => (measurementKinds as readonly string[]).includes(k))
        .map(([k, [n, total]]) => [k, [n, Math.round(total * 1e9) / 1e9]]),
    ),
  }));

const groupings: SummaryGrouping[] = [undefined, 'owner', 'month'];
/** A range that holds every event: the summary aggregates the events, as it always did. */
const everything = { from: '1970-01-01', to: '9999-12-31' };

async function expectSameAsEvents() {
  for (const groupBy of groupings) {
    const fromContributions = await summarizeMeasurements(pool, {}, groupBy);
    const fromEvents = await summarizeMeasurements(pool, everything, groupBy);
    expect(comparable(fromContributions)).toEqual(comparable(fromEvents));
  }
}

beforeAll(async () => {
  const url = new URL(process.env.DATABASE_URL!);
  admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  database = `measurements_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${database}`);
  url.pathname = `/${database}`;
  migrate(url.toString(), MY_MIGRATION);
  pool = createPool(url.toString());
  // Events from before the migration: its backfill must count them.
  await insert(seedEvents('old', 150, random(7)));
  migrate(url.toString());
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
});

test('backfill and trigger: the all-time summary equals the aggregation of the events, for each grouping', async () => {
  // New events for old and new handoffs, a few keys sent twice (a retried bookkeeping write).
  const events = seedEvents('new', 250, random(11));
  await insert(events);
  await insert(events.slice(0, 40));
  await expectSameAsEvents();

  const { overall, groups } = await summarizeMeasurements(pool, {}, 'month');
  // The seed reaches every case the figures count: not a comparison of two empty answers.
  expect(overall.handoffs).toBe(250);
  expect(overall.accepted).toBeGreaterThan(0);
  expect(overall.returned).toBeGreaterThan(0);
  expect(overall.readinessMet).toBeGreaterThan(0);
  expect(overall.readinessReported).toBeGreaterThan(overall.readinessMet);
  expect(groups.map((g) => g.key)).toEqual(['2025-12', '2026-01', '2026-02', '2026-03']);
  // A handoff seen in two months counts in both, and once overall.
  expect(groups.reduce((n, g) => n + g.handoffs, 0)).toBeGreaterThan(overall.handoffs);
  const owners = (await summarizeMeasurements(pool, {}, 'owner')).groups.map((g) => g.key);
  expect(owners).toEqual(['u-ana', 'u-chen', 'u-sam', 'unassigned']);
});

test('deleted and changed events leave the summary as the events say', async () => {
  await pool.query("DELETE FROM measurement_events WHERE handoff_id = 'handoff-m-3'");
  await pool.query("DELETE FROM measurement_events WHERE kind = 'first_milestone_readiness' AND handoff_id IN ('handoff-m-5', 'handoff-m-6', 'handoff-m-7')");
  await pool.query("UPDATE measurement_events SET owner = 'u-new', at = '2026-04-01T00:00:00Z' WHERE handoff_id = 'handoff-m-8'");
  await pool.query("UPDATE measurement_events SET kind = 'accepted', value = 1 WHERE key IN (SELECT key FROM measurement_events WHERE handoff_id = 'handoff-m-9' LIMIT 1)");
  await expectSameAsEvents();
  const { overall, groups } = await summarizeMeasurements(pool, {}, 'owner');
  expect(overall.handoffs).toBe(249);
  expect(groups.find((g) => g.key === 'u-new')?.handoffs).toBe(1);

  await pool.query('TRUNCATE measurement_events');
  await expectSameAsEvents();
  expect((await summarizeMeasurements(pool, {}, undefined)).overall.handoffs).toBe(0);
});
