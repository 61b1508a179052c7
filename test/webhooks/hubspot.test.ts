import { Signature } from '@hubspot/api-client';
import { WorkflowFailedError } from '@temporalio/client';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createReleaseActivities } from '../../src/activities/release';
import { writebacksOf } from '../../src/db/crm-writebacks';
import { loadBundle } from '../../src/db/bundles';
import { hubspotIntakeWorkflowId } from '../../src/workflows/hubspot-definitions';
import { drive } from '../support/drive-handoffs';
import { startFakeHubspot, type FakeHubspot } from '../support/fake-hubspot';
import { loadSharedFixture } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

// HubSpot end to end on real parts: signed webhooks into the real API, the hubspotIntake workflow on a
// real worker and Temporal, the official SDK against a local fake HubSpot (429s, outages), the handoff
// started through the API's start path, and the release written back to the deal once per version.

const CLIENT_SECRET = 'hubspot-app-client-secret-0123';
let h: Harness;
let fake: FakeHubspot;

beforeAll(async () => {
  fake = await startFakeHubspot();
  h = await startHarness({
    HUBSPOT_BASE_URL: fake.url,
    HUBSPOT_ACCESS_TOKEN: fake.token,
    HUBSPOT_CLIENT_SECRET: CLIENT_SECRET,
    HUBSPOT_CLOSED_WON_STAGES: ['closedwon', 'enterprise-won'],
    HUBSPOT_OWNER_PRINCIPALS: { '501': 'u-ben', 'ana@vendor.example': 'u-ana', '503': 'u-chen' },
    // Retries in tenths of a second: the test waits on outcomes, never on the clock.
    HUBSPOT_RETRY_INITIAL_S: 0.1,
    HUBSPOT_RETRY_MAX_S: 0.5,
  });
  fake.owners.set('501', { id: '501', email: 'ben@vendor.example', firstName: 'Ben', lastName: 'Okafor' });
  fake.owners.set('502', { id: '502', email: 'ana@vendor.example', firstName: 'Ana', lastName: 'Ruiz' });
  fake.owners.set('503', { id: '503', email: 'chen@vendor.example', firstName: 'Chen', lastName: 'Li' });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

let nextDeal = Number(String(Date.now()).slice(-7)) * 100;

/** A two-page PDF made here, read back by the real extraction. */
async function sowPdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  pdf.addPage().drawText('Statement of work for Northwind Health.', { x: 50, y: 700, size: 12, font });
  pdf.addPage().drawText('Acceptance: the utilization dashboard is reviewed with the operations team.', { x: 50, y: 700, size: 12, font });
  return Buffer.from(await pdf.save());
}

/** A closed-won deal shaped like the worked example: its documents as HubSpot notes, calls, emails and files. */
async function seedDeal(options: { name?: string | null } = {}): Promise<string> {
  const id = String(nextDeal++ * 10);
  const wx = loadSharedFixture('worked-example');
  const text = (docId: string) => wx.documents.find((d) => d.id === docId)!.text;
  const at = (docId: string) => wx.documents.find((d) => d.id === docId)!.capturedAt;
  const n = (k: number) => `${id}${k}`;
  fake.files.set(n(1), { id: n(1), name: 'Order form NW-2026-11', extension: 'txt', content: Buffer.from(text('order-form')), createdAt: at('order-form') });
  fake.files.set(n(2), { id: n(2), name: 'Proposal v3', extension: 'md', content: Buffer.from(text('proposal')), createdAt: at('proposal') });
  fake.files.set(n(3), { id: n(3), name: 'Statement of work', extension: 'pdf', content: await sowPdf(), createdAt: at('order-form') });
  fake.files.set(n(9), { id: n(9), name: 'Signed scan', extension: 'pdf', content: Buffer.from('%PDF-1.7 not really a pdf'), createdAt: at('order-form') });
  fake.objects.notes.set(n(4), { id: n(4), createdAt: at('order-form'), properties: { hs_note_body: '<p>Signed order form and proposal attached.</p>', hs_timestamp: at('order-form'), hs_attachment_ids: `${n(1)};${n(2)};${n(3)};${n(9)}` } });
  fake.objects.calls.set(n(5), { id: n(5), createdAt: at('call-2026-11-14'), properties: { hs_call_title: 'Negotiation call notes (Ben)', hs_call_body: `<p>${text('call-2026-11-14')}</p>`, hs_timestamp: at('call-2026-11-14') } });
  fake.objects.emails.set(n(6), { id: n(6), createdAt: at('email-2026-11-18'), properties: { hs_email_subject: 'Email from Dana Fox', hs_email_text: text('email-2026-11-18'), hs_timestamp: at('email-2026-11-18') } });
  fake.objects.line_items.set(n(7), { id: n(7), createdAt: wx.closedAt!, properties: { name: 'Analytics Onboarding', quantity: '1', amount: '48000' } });
  fake.objects.companies.set(n(8), { id: n(8), createdAt: wx.closedAt!, properties: { name: options.name === null ? '' : options.name ?? 'Northwind Health' } });
  fake.objects.deals.set(id, {
    id,
    createdAt: '2026-10-01T10:00:00Z',
    properties: {
      dealname: options.name === null ? '' : 'Northwind Health - Analytics Onboarding',
      amount: '48000', deal_currency_code: 'USD', closedate: wx.closedAt!, dealstage: 'closedwon',
      hubspot_owner_id: '501', handoff_owner: '502', implementation_owner: '503', kickoff_date: wx.kickoffTarget!,
    },
    associations: { notes: [n(4)], calls: [n(5)], emails: [n(6)], line_items: [n(7)], companies: [n(8)] },
  });
  return id;
}

const stageEvent = (objectId: string, stage = 'closedwon', eventId = Math.floor(Math.random() * 1e9)) => ({
  eventId, subscriptionId: 2211, portalId: 62515, appId: 54321, occurredAt: Date.now(), subscriptionType: 'deal.propertyChange',
  attemptNumber: 0, objectId: Number(objectId), propertyName: 'dealstage', propertyValue: stage, changeSource: 'CRM_UI',
});

/** Delivers a batch as HubSpot does, signed with the SDK's own v3 signer (the reference implementation). */
async function deliver(events: unknown[], spoil: { timestamp?: number; body?: string; secret?: string } = {}) {
  const body = JSON.stringify(events);
  const timestamp = spoil.timestamp ?? Date.now();
  const url = `${h.api.url}/webhooks/hubspot`;
  const signature = Signature.getSignature('POST', 'v3', { signature: '', clientSecret: spoil.secret ?? CLIENT_SECRET, requestBody: body, url, timestamp });
  return h.request('POST', '/webhooks/hubspot', {
    body: spoil.body ?? body,
    headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(timestamp), 'x-hubspot-signature-version': 'v3' },
  });
}

const intakeResult = (objectId: string) => h.client.workflow.getHandle(hubspotIntakeWorkflowId(objectId)).result();
const apiCalls = (status: number) => fake.requests.filter((r) => r.status === status && !r.path.startsWith('/_signed')).length;

test('signatures: valid is 200, stale (over 5 minutes), tampered or from another secret is 401 and starts nothing', async () => {
  const dealId = await seedDeal();
  const event = stageEvent(dealId, 'appointmentscheduled');
  const valid = await deliver([event]);
  expect(valid.status).toBe(200);
  expect(valid.body).toEqual({ received: 1, started: [], duplicates: [], ignored: 1 });

  const closedWon = [stageEvent(dealId)];
  const stale = await deliver(closedWon, { timestamp: Date.now() - 5 * 60 * 1000 - 1000 });
  const tampered = await deliver(closedWon, { body: JSON.stringify([{ ...closedWon[0], objectId: Number(dealId) + 1 }]) });
  const wrongSecret = await deliver(closedWon, { secret: 'not-the-client-secret-0000' });
  const unsigned = await h.request('POST', '/webhooks/hubspot', { body: closedWon });
  for (const res of [stale, tampered, wrongSecret, unsigned]) {
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  }
  expect(stale.body.detail).toMatch(/older than 5 minutes/);
  await expect(h.client.workflow.getHandle(hubspotIntakeWorkflowId(dealId)).describe()).rejects.toThrow(/not found/i);
});

test('closed-won starts the handoff from the deal, its owners, line items, notes, emails, calls and attached files (a real PDF extracted; an unreadable one named as skipped), with HubSpot ids as document ids', async () => {
  const dealId = await seedDeal();
  const res = await deliver([stageEvent(dealId, 'enterprise-won')]);
  expect(res.status).toBe(200);
  expect(res.body.started).toEqual([hubspotIntakeWorkflowId(dealId)]);

  const result = await intakeResult(dealId);
  expect(result).toMatchObject({ dealId: `hubspot-${dealId}`, handoffId: `handoff-hubspot-${dealId}`, created: true });
  expect(result.documentIds.sort()).toEqual([`call-${dealId}5`, `email-${dealId}6`, `file-${dealId}1`, `file-${dealId}2`, `file-${dealId}3`, `note-${dealId}4`].sort());
  expect(result.skipped).toEqual([{ id: `file-${dealId}9`, reason: expect.stringMatching(/^Signed scan\.pdf: .*could not be read/) }]);

  const { rows } = await h.pool.query('SELECT bundle_hash, started_by FROM handoff_runs WHERE deal_id = $1', [`hubspot-${dealId}`]);
  expect(rows).toHaveLength(1);
  expect(rows[0].started_by).toBe('hubspot');
  const bundle = await loadBundle(h.pool, rows[0].bundle_hash);
  const wx = loadSharedFixture('worked-example');
  expect(bundle).toMatchObject({
    customer: { name: 'Northwind Health' },
    systemOfRecord: { system: 'hubspot', recordId: dealId },
    closedAt: new Date(wx.closedAt!).toISOString(),
    kickoffTarget: wx.kickoffTarget,
    owners: {
      sales: { id: 'u-ben', name: 'Ben Okafor', email: 'ben@vendor.example' },
      handoffOwner: { id: 'u-ana', name: 'Ana Ruiz' },
      implementation: { id: 'u-chen', name: 'Chen Li' },
    },
    crm: { amount: 48000, currency: 'USD', products: ['Analytics Onboarding'] },
  });
  const byId = Object.fromEntries(bundle.documents.map((d) => [d.id, d]));
  expect(byId[`file-${dealId}1`]).toMatchObject({ kind: 'agreement', capturedAt: new Date(wx.documents[0].capturedAt).toISOString(), text: wx.documents[0].text });
  expect(byId[`email-${dealId}6`]).toMatchObject({ kind: 'email', capturedAt: new Date('2026-11-18T09:10:00Z').toISOString() });
  expect(byId[`call-${dealId}5`].text).toContain('Ben said we can have the dashboard live before the board meeting.');
  expect(byId[`note-${dealId}4`]).toMatchObject({ kind: 'crm_note', text: 'Signed order form and proposal attached.' });
  expect(byId[`file-${dealId}3`]).toMatchObject({ kind: 'sow', title: 'Statement of work.pdf' });
  expect(byId[`file-${dealId}3`].text).toMatch(/Statement of work for Northwind Health\.\s+Acceptance: the utilization dashboard/);
});

test('429 with Retry-After: the intake waits as long as HubSpot asks, then succeeds', async () => {
  const dealId = await seedDeal();
  const before = apiCalls(429);
  fake.rateLimit(2, 1);
  await deliver([stageEvent(dealId)]);
  const result = await intakeResult(dealId);
  expect(result.created).toBe(true);
  expect(apiCalls(429) - before).toBe(2);
  // The retry after a 429 came no sooner than Retry-After (1 s), though the policy's own interval is 0.1 s.
  const limited = fake.requests.filter((r) => r.status === 429).slice(-2);
  const after = fake.requests.find((r) => r.at >= limited[1].at && r !== limited[1] && r.status === 200)!;
  expect(after.at - limited[1].at).toBeGreaterThanOrEqual(900);
});

test('HubSpot down (connection refused, then 503s): the intake retries with backoff and loses nothing', async () => {
  const dealId = await seedDeal();
  await fake.down();
  await deliver([stageEvent(dealId)]);
  const handle = h.client.workflow.getHandle(hubspotIntakeWorkflowId(dealId));
  // Wait until Temporal has retried the refused activity a few times.
  for (;;) {
    const attempt = (await handle.describe()).raw.pendingActivities?.[0]?.attempt ?? 0;
    if (attempt >= 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  fake.unavailable(2);
  await fake.up();
  const result = await intakeResult(dealId);
  expect(result).toMatchObject({ created: true, handoffId: `handoff-hubspot-${dealId}` });
  expect(result.documentIds).toHaveLength(6);
});

test('the same event delivered twice (and twice in one batch) starts one intake and one handoff', async () => {
  const dealId = await seedDeal();
  const event = stageEvent(dealId);
  const first = await deliver([event, { ...event, eventId: event.eventId + 1 }]);
  expect(first.body).toMatchObject({ received: 2, started: [hubspotIntakeWorkflowId(dealId)], duplicates: [] });
  await intakeResult(dealId);
  const again = await deliver([event]);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ started: [], duplicates: [hubspotIntakeWorkflowId(dealId)] });
  const runs = await h.pool.query('SELECT count(*)::int AS n FROM handoff_runs WHERE deal_id = $1', [`hubspot-${dealId}`]);
  expect(runs.rows[0].n).toBe(1);
});

test('a deal that cannot make a valid bundle fails its intake once, with the reason, and starts no handoff', async () => {
  const dealId = await seedDeal({ name: null });
  await deliver([stageEvent(dealId)]);
  const failed = await intakeResult(dealId).catch((err) => err);
  expect(failed).toBeInstanceOf(WorkflowFailedError);
  expect(failed.cause.message).toMatch(/customer\.name/);
  const runs = await h.pool.query('SELECT count(*)::int AS n FROM handoff_runs WHERE deal_id = $1', [`hubspot-${dealId}`]);
  expect(runs.rows[0].n).toBe(0);
});

test('release writes one note and the deal property back to HubSpot per packet version; a second release writes nothing', async () => {
  const dealId = await seedDeal();
  await deliver([stageEvent(dealId)]);
  const { handoffId } = await intakeResult(dealId);
  const done = await drive(h, handoffId, 0, 120_000);
  expect(done.stage).toBe('completed');
  const version = done.release!.packetVersion;

  const notes = fake.writes.filter((w) => w.method === 'POST' && w.path === '/crm/v3/objects/notes' && w.body.associations[0].to.id === dealId);
  expect(notes).toHaveLength(1);
  expect(notes[0].body.properties.hs_note_body).toContain(`[handoff ${handoffId} v${version}]`);
  expect(notes[0].body.properties.hs_note_body).toContain(`/handoffs/${handoffId}`);
  expect(notes[0].body.associations[0].types[0]).toEqual({ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 214 });
  expect(fake.objects.deals.get(dealId)!.properties.handoff_status).toBe(`released v${version}`);
  expect(await writebacksOf(h.pool, handoffId)).toEqual([expect.objectContaining({ packet_version: version, record_id: dealId, note_id: expect.any(String), rejected: null })]);

  // The same release again (a retried activity): recorded once, nothing more goes to HubSpot.
  const writes = fake.writes.length;
  const packet = done.packet!;
  const again = await createReleaseActivities({ pool: h.pool, config: h.config }).releaseKickoff({
    handoffId, customerName: done.customerName, bundleHash: done.bundleHash, packetVersion: version, packetHash: packet.hash,
    approvedItemIds: done.reviewItems.filter((i) => i.decision?.decision === 'approved').map((i) => i.id),
    systemOfRecord: { system: 'hubspot', recordId: dealId },
  });
  expect(again.released).toBe(true);
  expect(fake.writes.length).toBe(writes);
}, 150_000);
