import { intakeSignature } from '../../src/api/routes/webhooks';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, waitForStage, type Harness } from '../support/harness';

// POST /webhooks/intake on the real API, worker, Temporal and Postgres: a signed bundle starts a
// handoff as POST /handoffs does; a wrong, stale or unknown signature or an invalid bundle starts nothing.

const SECRET = 'crm-one-secret-0123456789abcdef';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ INTAKE_WEBHOOK_SECRETS: { 'crm-one': SECRET } });
});
afterAll(async () => h?.close());

/** Sends the body exactly as signed (the signature covers bytes); `sign` may spoil any part. */
async function send(body: string, sign: { source?: string; secret?: string; timestamp?: number; signature?: string } = {}) {
  const timestamp = String(sign.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = sign.signature ?? intakeSignature(sign.secret ?? SECRET, timestamp, body);
  return h.request('POST', '/webhooks/intake', {
    body,
    headers: { 'x-handoff-source': sign.source ?? 'crm-one', 'x-handoff-timestamp': timestamp, 'x-handoff-signature': signature },
  });
}

const runsOf = async (dealId: string) => Number((await h.pool.query('SELECT count(*) FROM handoff_runs WHERE deal_id = $1', [dealId])).rows[0].count);

test('a signed bundle starts its handoff; the same bundle again answers the running handoff', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'webhook');
  const body = JSON.stringify(bundle);
  const first = await send(body);
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({ handoffId: `handoff-${bundle.dealId}`, created: true });
  const state = await waitForStage(h, first.body.handoffId, ['in_review', 'waiting_for_evidence']);
  expect(state.dealId).toBe(bundle.dealId);
  const { rows } = await h.pool.query('SELECT started_by FROM handoff_runs WHERE deal_id = $1', [bundle.dealId]);
  expect(rows).toEqual([{ started_by: 'webhook:crm-one' }]);

  const again = await send(body);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ handoffId: first.body.handoffId, created: false });
  expect(await runsOf(bundle.dealId)).toBe(1);
});

test('a tampered body, a wrong secret, a stale or future timestamp and an unknown source are 401 and start nothing', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'webhook-bad');
  const body = JSON.stringify(bundle);
  const now = Math.floor(Date.now() / 1000);
  const tampered = body.replace(bundle.customer.name, 'Someone Else');
  const cases = [
    await send(tampered, { signature: intakeSignature(SECRET, String(now), body) }),
    await send(body, { secret: 'another-secret-0123456789abcdef' }),
    await send(body, { timestamp: now - 6 * 60 }),
    await send(body, { timestamp: now + 6 * 60 }),
    await send(body, { source: 'crm-two' }),
    await send(body, { signature: '' }),
  ];
  for (const res of cases) {
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  }
  expect(cases[2].body.detail).toMatch(/within 5 minutes/);
  expect(await runsOf(bundle.dealId)).toBe(0);
});

test('a signed but invalid bundle is 400 with field paths', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'webhook-invalid');
  const body = JSON.stringify({ ...bundle, trigger: 'deal_lost', documents: [{ ...bundle.documents[0], kind: 'napkin' }] });
  const res = await send(body);
  expect(res.status).toBe(400);
  expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['trigger', 'documents.0.kind']));
  expect(await runsOf(bundle.dealId)).toBe(0);
});

test('the OpenAPI document shows the webhook signed, not behind a bearer token', async () => {
  const doc = (await h.request('GET', '/openapi.json')).body;
  const op = doc.paths['/webhooks/intake'].post;
  expect(op.security).toEqual([{ intakeSignature: [] }]);
  expect(doc.components.securitySchemes.intakeSignature).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Handoff-Signature' });
  expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['201', '200', '400', '401']));
  expect(Object.keys(op.responses)).not.toContain('403');
});

test('INTAKE_WEBHOOK_SECRETS reads source=secret pairs or JSON, and a bad value fails without printing the secret', () => {
  const { loadConfig } = require('../../src/config') as typeof import('../../src/config');
  const env = { ...process.env };
  expect(loadConfig({ ...env, INTAKE_WEBHOOK_SECRETS: 'crm-one=aaaaaaaaaaaaaaaa1, crm-two = bbbbbbbbbbbbbbbb2' }).INTAKE_WEBHOOK_SECRETS)
    .toEqual({ 'crm-one': 'aaaaaaaaaaaaaaaa1', 'crm-two': 'bbbbbbbbbbbbbbbb2' });
  expect(loadConfig({ ...env, INTAKE_WEBHOOK_SECRETS: '{"erp":"cccccccccccccccc3"}' }).INTAKE_WEBHOOK_SECRETS).toEqual({ erp: 'cccccccccccccccc3' });
  expect(loadConfig({ ...env, INTAKE_WEBHOOK_SECRETS: undefined }).INTAKE_WEBHOOK_SECRETS).toEqual({});
  expect(() => loadConfig({ ...env, INTAKE_WEBHOOK_SECRETS: 'crm-one=short-secret9' })).toThrow(/INTAKE_WEBHOOK_SECRETS/);
  expect(() => loadConfig({ ...env, INTAKE_WEBHOOK_SECRETS: 'crm-one=short-secret9' })).not.toThrow(/short-secret9/);
});
