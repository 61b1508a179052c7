import { buildOpenApiDocument } from '../../src/api/openapi';
import { apiRoutes } from '../../src/api/routes';
import { answerBlockingQuestions } from '../support/answers';
import type { Harness } from '../support/harness';
import { waitForStage } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// GET /handoffs/:id/kickoff: the released agenda and customer email, as recorded by the release,
// for the handoff's parties only, and 404 until the kickoff is released.

let h: Harness;
let handoffId: string;
let inReview: any;

beforeAll(async () => {
  h = await startApiHarness();
  ({ handoffId, state: inReview } = await handoffInReview(h, 'kickoff-read'));
});
afterAll(async () => {
  await h?.close();
});

const kickoff = (token?: string) => h.request('GET', `/handoffs/${handoffId}/kickoff`, { token });

test('before the release it is 404 for everyone, parties included', async () => {
  for (const who of ['u-chen', 'u-ben', 'u-ana', 'admin']) {
    const res = await kickoff(h.tokens[who]);
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/not released its kickoff yet/);
  }
});

test('after both signoffs the parties read the agenda and email exactly as the release recorded them', async () => {
  for (const item of inReview.reviewItems) {
    const res = await h.request('POST', `/handoffs/${handoffId}/review-items/${item.id}/decision`, {
      token: h.tokens[item.routeTo],
      body: { decision: 'rejected', comment: 'not in the contract; reset at kickoff', packetVersion: inReview.packet.version },
    });
    expect(res.status).toBe(200);
  }
  // The handoff owner says who owns the data extraction (the blocking question review waits on).
  await answerBlockingQuestions(h, handoffId, inReview);
  const awaiting = await waitForStage(h, handoffId, ['awaiting_signoff']);
  // Still nothing to read while signoffs are pending.
  expect((await kickoff(h.tokens['u-chen'])).status).toBe(404);
  const { version, hash } = awaiting.packet;
  for (const [principal, role] of [['u-ben', 'sales'], ['u-chen', 'implementation']] as const) {
    const signed = await h.request('POST', `/handoffs/${handoffId}/signoff`, { token: h.tokens[principal], body: { role, packetVersion: version, packetHash: hash } });
    expect(signed.status).toBe(200);
  }
  await waitForStage(h, handoffId, ['first_milestone', 'completed']);

  const { rows } = await h.pool.query('SELECT packet_version, packet_hash, system, record_id, agenda, customer_email, released_at FROM kickoff_releases WHERE handoff_id = $1', [handoffId]);
  expect(rows).toHaveLength(1);
  const row = rows[0];
  for (const who of ['u-chen', 'u-ben', 'u-ana', 'u-ops', 'admin']) {
    const res = await kickoff(h.tokens[who]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      handoffId,
      packetVersion: version,
      packetHash: hash,
      releasedAt: row.released_at.toISOString(),
      systemOfRecord: row.system ? { system: row.system, recordId: row.record_id } : null,
      agenda: row.agenda,
      customerEmail: row.customer_email,
    });
  }
  const { body } = await kickoff(h.tokens['u-chen']);
  expect(body.agenda[0]).toBe('Introductions and roles');
  expect(body.customerEmail).toContain(`Hello ${inReview.customerName} team,`);
  for (const line of body.agenda) expect(body.customerEmail).toContain(`- ${line}`);
});

test('someone who takes no part in the handoff gets 404, and no token 401', async () => {
  for (const who of ['u-outsider', 'u-dev', 'u-impl2']) expect((await kickoff(h.tokens[who])).status).toBe(404);
  expect((await kickoff()).status).toBe(401);
});

test('the OpenAPI document describes the route and its answer', () => {
  const doc = buildOpenApiDocument(apiRoutes) as any;
  const op = doc.paths['/handoffs/{id}/kickoff'].get;
  expect(op.operationId).toBe('getKickoff');
  expect(op.responses[200].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/KickoffRelease' });
  expect(op.responses[404]).toBeDefined();
  expect(Object.keys(doc.components.schemas.KickoffRelease.properties).sort()).toEqual(
    ['agenda', 'customerEmail', 'handoffId', 'packetHash', 'packetVersion', 'releasedAt', 'systemOfRecord'],
  );
});
