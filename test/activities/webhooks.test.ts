import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/config';
import { createNotificationActivities } from '../../src/activities/notifications';
import { createReleaseActivities } from '../../src/activities/release';
import { createPool, type Pool } from '../../src/db/pool';
import { savePacket } from '../../src/db/packets';
import { draftPacket } from '../../src/domain/draft';
import { IntakeBundle } from '../../src/domain/intake';
import { finalizePacket } from '../../src/domain/packet-hash';
import { loadSharedFixture } from '../support/fixtures';

// The outbox and system-of-record activities against real Postgres and a local webhook that fails
// once: the row is written once, delivery is retried (by throwing, for Temporal's retry policy).

let pool: Pool;
let server: Server;
let url: string;
const received: Array<{ path: string; key?: string; body: any }> = [];
let failNext = 0;

beforeAll(async () => {
  pool = createPool(process.env.DATABASE_URL!);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url!, key: req.headers['idempotency-key'] as string, body: JSON.parse(body) });
      res.statusCode = failNext-- > 0 ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await pool?.end();
  await new Promise((r) => server?.close(r));
});

const configWith = (overrides: Partial<Config>): Config => ({ ...loadConfig(), ...overrides });

test('a notification is written once and delivered once, after a failed delivery', async () => {
  const { notify } = createNotificationActivities({ pool, config: configWith({ NOTIFY_WEBHOOK_URL: `${url}/notify` }) });
  const n = { dedupeKey: `hook-${Date.now()}:r1:reminder:1`, handoffId: 'handoff-hook', kind: 'reminder' as const, recipient: 'u-chen', subject: 'Reminder', itemId: 'r1' };
  failNext = 1;
  await expect(notify(n)).rejects.toThrow(/503/);
  await notify(n); // the retry
  await notify(n); // a duplicate attempt after success sends nothing
  const rows = await pool.query('SELECT delivered_at FROM notifications WHERE dedupe_key = $1', [n.dedupeKey]);
  expect(rows.rows).toHaveLength(1);
  expect(rows.rows[0].delivered_at).toBeInstanceOf(Date);
  const calls = received.filter((r) => r.key === n.dedupeKey);
  expect(calls).toHaveLength(2);
  expect(calls[1].body).toMatchObject({ recipient: 'u-chen', kind: 'reminder', itemId: 'r1' });
});

test('a kickoff release is recorded once per packet version and sent to the system of record', async () => {
  const bundle = IntakeBundle.parse({ ...loadSharedFixture('worked-example'), dealId: `D-hook-${Date.now()}` });
  const handoffId = `handoff-${bundle.dealId}`;
  const packet = finalizePacket(draftPacket(bundle), { handoffId, version: 1 });
  await savePacket(pool, packet);
  const { releaseKickoff } = createReleaseActivities({ pool, config: configWith({ SYSTEM_OF_RECORD_WEBHOOK_URL: `${url}/sor` }) });
  const request = { handoffId, customerName: 'Northwind Health', packetVersion: 1, packetHash: packet.hash, approvedItemIds: [], systemOfRecord: bundle.systemOfRecord };

  failNext = 1;
  await expect(releaseKickoff(request)).rejects.toThrow(/503/);
  const first = await releaseKickoff(request);
  const again = await releaseKickoff(request);
  expect(first).toEqual(again);
  expect(first.released).toBe(true);
  const rows = await pool.query('SELECT record_id FROM kickoff_releases WHERE handoff_id = $1', [handoffId]);
  expect(rows.rows).toEqual([{ record_id: 'deal-88231' }]);
  expect(received.filter((r) => r.key === `${handoffId}:v1`).every((r) => r.body.systemOfRecord.recordId === 'deal-88231')).toBe(true);

  // A hash that does not match the stored packet is refused, never released.
  await expect(releaseKickoff({ ...request, packetHash: `sha256:${'1'.repeat(64)}` })).rejects.toThrow(/not found or changed/);
});
