import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../../src/api/app';
import { loadBundle } from '../../src/db/bundles';
import type { Harness } from '../support/harness';
import { waitForStage } from '../support/harness';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { secretShapes, type SecretShape } from '../support/secret-shapes';
import { startApiHarness } from './support';

// No secret gets out (issue 9, item 6). Every secret shape is planted through the API, in every
// channel a person types into (bundle documents, titles and fields, evidence, answers, review
// comments, change requests, signoff comments, milestone notes and criteria, return, cancel and
// owner-change reasons), then looked for everywhere it could surface: every API answer, the packet
// (JSON and Markdown, every version), the kickoff agenda and email, every row of every table, the
// API's logs and the Temporal histories. A second test shows that confirming the rotation of a
// redacted credential moves a handoff out of waiting_for_evidence.

jest.setTimeout(240_000);

let h: Harness;
let api: { url: string; server: Server };
const logLines: string[] = [];
/** Every answer body the API gave in this file, as text. */
const answers: string[] = [];

beforeAll(async () => {
  h = await startApiHarness();
  // An app of our own whose pino output we keep (the harness' API logs nowhere).
  const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
  const app = createApp({ client: h.client, pool: h.pool, config: h.config, logger: pino({ level: 'trace' }, sink) });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  api = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
});
afterAll(async () => {
  await new Promise((r) => api?.server.close(r));
  await h?.close();
});

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${api.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  answers.push(text);
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Markdown stays text.
  }
  return { status: res.status, body: parsed, text };
}
const post = (path: string, token: string, body?: unknown) => call('POST', path, token, body);
const get = (path: string, token = h.tokens.admin) => call('GET', path, token);

async function expectStatus(res: Promise<{ status: number; body: any }>, status: number): Promise<any> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Hands shapes out one by one, round robin, so every channel carries different ones. */
function dealer(shapes: SecretShape[]) {
  let next = 0;
  return (maxLength = 10_000): string => {
    for (let tries = 0; tries < shapes.length; tries++) {
      const shape = shapes[next++ % shapes.length];
      if (shape.text.length + 40 <= maxLength) return shape.text;
    }
    throw new Error(`no shape fits in ${maxLength} characters`);
  };
}
const shortShapes = secretShapes.filter((s) => s.text.length <= 120);
const nextShape = dealer(secretShapes);
const nextShort = dealer(shortShapes);

/** Every form a planted secret could take once stored: as planted, and as the rules read it (NFKC, no invisibles). */
const forbidden = [...new Set(secretShapes.flatMap((s) => s.secrets.flatMap((secret) => [secret, secret.normalize('NFKC').replace(/[\u00ad\u200b-\u200f\u2060\ufeff]/g, '')])))];
function leaksIn(text: string): string[] {
  return forbidden.filter((secret) => text.includes(secret));
}

/**
 * JSON of a Temporal history with every payload decoded: payload data is JSON in bytes, which the
 * fetched history carries base64-encoded (searching it raw would find nothing, leak or not).
 */
function historyText(history: unknown): string {
  return JSON.stringify(history, (_key, value) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (value && typeof value === 'object' && 'metadata' in value && typeof (value as { data?: unknown }).data === 'string') {
      return { ...value, data: Buffer.from((value as { data: string }).data, 'base64').toString('utf8') };
    }
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
      return Buffer.from((value as { data: number[] }).data).toString('utf8');
    }
    return value;
  });
}

async function everyRowOfEveryTable(): Promise<Record<string, string>> {
  const { rows: tables } = await h.pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const dump: Record<string, string> = {};
  for (const { table_name } of tables) {
    const { rows } = await h.pool.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    dump[table_name] = rows.map((r) => r.row).join('\n');
  }
  return dump;
}

const person = (id: string, name: string) => ({ id, name, email: `${id}@vendor.example` });

test('no planted secret comes out anywhere: answers, packets, kickoff, database, logs, Temporal history', async () => {
  expect(secretShapes.length).toBeGreaterThanOrEqual(40);
  const workflowIds: string[] = [];

  // ---- handoff A: the whole lifecycle with secrets in every channel ----
  const base = withDealId(loadSharedFixture('worked-example'), 'secrets') as any;
  const planted = {
    ...base,
    customer: { ...base.customer, name: `Northwind Health ${nextShort(200)}`.slice(0, 200) },
    stakeholders: base.stakeholders.map((s: any, i: number) => (i === 0 ? { ...s, title: `CIO; ${nextShort(200)}`.slice(0, 200) } : s)),
    systemOfRecord: { system: 'salesforce', recordId: `006-1042 ${nextShort(200)}`.slice(0, 200) },
    successCriteria: [...(base.successCriteria ?? []), nextShape(1000)],
    notSold: [...(base.notSold ?? []), nextShape(1000)],
    documents: [
      ...base.documents.map((d: any, i: number) => (i === 2 ? { ...d, title: `Call notes; ${nextShort(300)}`.slice(0, 300) } : d)),
      // All shapes at once in one pasted document, besides the ones dealt to each channel.
      { id: 'pasted-notes', kind: 'call_notes', capturedAt: '2026-11-19T10:00:00Z', text: secretShapes.map((s) => s.text).join('\n\n') },
    ],
  };
  const started = await expectStatus(post('/handoffs', h.tokens['u-ben'], planted), 201);
  const a = started.handoffId as string;
  workflowIds.push(a);

  // The gate holds: out_of_policy (and nothing else) for each place that held a secret.
  const waiting = await waitForStage(h, a, ['waiting_for_evidence']);
  expect(waiting.gateFailures.length).toBeGreaterThan(0);
  expect(waiting.gateFailures.every((f: any) => f.code === 'out_of_policy')).toBe(true);
  expect(waiting.gateFailures.map((f: any) => f.documentId ?? f.field)).toEqual(
    expect.arrayContaining(['pasted-notes', 'crm', 'customer.name', 'systemOfRecord.recordId', 'stakeholders.0.title', base.documents[2].id]),
  );
  expect(waiting.customerName).toMatch(/^Northwind Health .*\[REDACTED:/);

  // Evidence with more secrets, an answer to a gate question, and a secret where none can be redacted.
  await expectStatus(post(`/handoffs/${a}/evidence`, h.tokens['u-ana'], {
    documents: [
      { id: 'email-it', kind: 'email', title: `Access; ${nextShort(300)}`.slice(0, 300), capturedAt: '2026-11-19T11:00:00Z', text: `${nextShape()}\n${nextShape()}` },
    ],
    systemOfRecord: { system: 'salesforce', recordId: `006-1042 ${nextShort(200)}`.slice(0, 200) },
  }), 200);
  const asIds = await post(`/handoffs/${a}/evidence`, h.tokens['u-ana'], {
    documents: [{ id: 'ghp_4Fq9Lm2Xv7Rt1Kp8Zs3Wd6Yh0Nc5Bj2Ga7Ue9', kind: 'email', capturedAt: '2026-11-19T11:00:00Z', text: 'see id' }],
  });
  expect(asIds.status).toBe(400);
  expect(asIds.body.errors).toEqual([expect.objectContaining({ path: 'documents.0.id', message: expect.stringMatching(/credential/) })]);
  const afterEvidence = await waitForStage(h, a, ['waiting_for_evidence']);
  const question = afterEvidence.openQuestions.find((q: any) => !q.answer);
  const answered = await expectStatus(post(`/handoffs/${a}/questions/${question.id}/answer`, h.tokens['u-ana'], { answer: `Rotated; old one was ${nextShape()}` }), 200);
  expect(answered.openQuestions.find((q: any) => q.id === question.id).answer.text).toContain('[REDACTED:');

  // The handoff owner confirms the rotation: the gates pass and the packet is drafted.
  await expectStatus(post(`/handoffs/${a}/secrets/rotated`, h.tokens['u-ana'], {}), 200);
  const review1 = await waitForStage(h, a, ['in_review']);

  // Review: every decision with a comment, every blocking question answered, then a change request,
  // a redraft (whose packet asks the handoff owner about the secret in the comment), and review again.
  const decideAll = async (state: any) => {
    for (const item of state.reviewItems.filter((i: any) => !i.decision)) {
      await expectStatus(post(`/handoffs/${a}/review-items/${item.id}/decision`, h.tokens[item.routeTo], {
        decision: 'approved', comment: `OK. ${nextShape(5000)}`, packetVersion: state.packet.version,
      }), 200);
    }
    for (const q of state.openQuestions.filter((q: any) => q.blocking && !q.answer)) {
      await expectStatus(post(`/handoffs/${a}/questions/${q.id}/answer`, h.tokens[q.askedOf], { answer: `Done. ${nextShape()}` }), 200);
    }
  };
  await decideAll(review1);
  await expectStatus(post(`/handoffs/${a}/changes`, h.tokens['u-chen'], { comment: `Redraft please; ${nextShape()}`, packetVersion: review1.packet.version }), 200);
  let current = (await get(`/handoffs/${a}`)).body;
  const deadline = Date.now() + 60_000;
  while (!(current.packet?.version > review1.packet.version && ['in_review', 'awaiting_signoff'].includes(current.stage))) {
    if (Date.now() > deadline) throw new Error(`no redraft: ${JSON.stringify(current)}`);
    await new Promise((r) => setTimeout(r, 200));
    current = (await get(`/handoffs/${a}`)).body;
  }
  if (current.stage === 'in_review') await decideAll(current);
  const awaiting = await waitForStage(h, a, ['awaiting_signoff']);
  const { version, hash } = awaiting.packet;
  for (const [principal, role] of [['u-ben', 'sales'], ['u-chen', 'implementation']] as const) {
    await expectStatus(post(`/handoffs/${a}/signoff`, h.tokens[principal], { role, packetVersion: version, packetHash: hash, comment: `Signed. ${nextShape(5000)}` }), 200);
  }
  await waitForStage(h, a, ['first_milestone']);
  await expectStatus(post(`/handoffs/${a}/milestone`, h.tokens['u-chen'], {
    status: 'met', note: `Kickoff held. ${nextShape(5000)}`, criteriaMet: [nextShape(1000), nextShape(1000)],
  }), 200);
  const done = await waitForStage(h, a, ['completed']);
  expect(done.milestone.note).toContain('[REDACTED:');

  // ---- handoff B: owner change, return for context and cancel, each with a reason holding a secret ----
  const b = (await expectStatus(post('/handoffs', h.tokens['u-ben'], withDealId(loadSharedFixture('worked-example'), 'secrets-b')), 201)).handoffId as string;
  workflowIds.push(b);
  await waitForStage(h, b, ['in_review']);
  await expectStatus(post(`/handoffs/${b}/owners`, h.tokens['u-ana'], { owners: { escalation: person('u-ops', 'Oscar Ops') }, reason: `Escalations to ops. ${nextShape(2000)}` }), 200);
  await expectStatus(post(`/handoffs/${b}/return`, h.tokens['u-chen'], { reason: `Missing the data dictionary. ${nextShape()}` }), 200);
  await waitForStage(h, b, ['waiting_for_evidence']);
  const cancelled = await expectStatus(post(`/handoffs/${b}/cancel`, h.tokens['u-ana'], { reason: `Deal unwound. ${nextShape(2000)}` }), 200);
  expect(cancelled.cancelled?.reason ?? '').toContain('[REDACTED:');
  await waitForStage(h, b, ['cancelled']);

  // ---- read everything back through the API ----
  for (const id of workflowIds) {
    await expectStatus(get(`/handoffs/${id}`), 200);
    await expectStatus(get(`/handoffs/${id}/history`), 200);
  }
  const latest = await expectStatus(get(`/handoffs/${a}/packet`), 200);
  expect(latest.version).toBeGreaterThanOrEqual(2);
  for (let v = 1; v <= latest.version; v++) {
    await expectStatus(get(`/handoffs/${a}/packet?version=${v}`), 200);
    const md = await get(`/handoffs/${a}/packet?version=${v}&format=md`);
    expect(md.status).toBe(200);
    expect(typeof md.body).toBe('string');
  }
  expect(JSON.stringify(latest)).toContain('[REDACTED:');
  const kickoff = await expectStatus(get(`/handoffs/${a}/kickoff`, h.tokens['u-chen']), 200);
  expect(kickoff.customerEmail).toContain('[REDACTED:');
  await expectStatus(get('/inbox', h.tokens['u-chen']), 200);
  await expectStatus(get(`/handoffs?limit=100`), 200);
  await expectStatus(get('/metrics/handoffs', h.tokens['u-ana']), 200);

  // ---- and look for the secrets everywhere ----
  const releases = await h.pool.query('SELECT agenda::text AS agenda, customer_email FROM kickoff_releases WHERE handoff_id = $1', [a]);
  expect(releases.rows).toHaveLength(1);
  const places: Record<string, string> = {
    'API answers': answers.join('\n'),
    'kickoff agenda': releases.rows[0].agenda,
    'kickoff email': releases.rows[0].customer_email,
    'API logs': logLines.join(''),
  };
  for (const [table, rows] of Object.entries(await everyRowOfEveryTable())) places[`table ${table}`] = rows;
  for (const id of workflowIds) {
    for await (const run of h.client.workflow.list({ query: `WorkflowId = '${id}'` })) {
      places[`Temporal history ${id}/${run.runId}`] = historyText(await h.client.workflow.getHandle(id, run.runId).fetchHistory());
    }
  }
  // The places were really filled: markers where secrets were, the planted rows and runs present.
  expect(places['table evidence_documents']).toContain('[REDACTED:');
  expect(places['table review_decisions']).toContain('[REDACTED:');
  expect(places['API logs']).toContain(a);
  expect(Object.keys(places).filter((p) => p.startsWith('Temporal history')).length).toBeGreaterThanOrEqual(2);
  expect(places[Object.keys(places).find((p) => p.startsWith(`Temporal history ${a}`))!]).toContain('[REDACTED:');

  const leaks = Object.entries(places).flatMap(([place, text]) => leaksIn(text).map((secret) => `${place}: ${JSON.stringify(secret)}`));
  expect(leaks).toEqual([]);
});

test('confirming the rotation of a redacted credential moves the handoff out of waiting_for_evidence', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'rotation') as any;
  bundle.documents = [...bundle.documents, { id: 'it-email', kind: 'email', capturedAt: '2026-11-19T10:00:00Z', text: 'The Kronos admin pass: Zq4!mR8#tWv for the first login.' }];
  const id = (await expectStatus(post('/handoffs', h.tokens['u-ben'], bundle), 201)).handoffId as string;
  const waiting = await waitForStage(h, id, ['waiting_for_evidence']);
  expect(waiting.gateFailures).toEqual([expect.objectContaining({ code: 'out_of_policy', documentId: 'it-email' })]);

  // Clean evidence alone does not release it: the redacted credential still waits for a rotation.
  await expectStatus(post(`/handoffs/${id}/evidence`, h.tokens['u-ana'], { documents: [{ id: 'clean', kind: 'email', capturedAt: '2026-11-19T12:00:00Z', text: 'Nothing new.' }] }), 200);
  await new Promise((r) => setTimeout(r, 1500));
  const still = await waitForStage(h, id, ['waiting_for_evidence']);
  expect(still.gateFailures).toEqual([expect.objectContaining({ code: 'out_of_policy', documentId: 'it-email' })]);

  // Only the handoff owner, ops or an admin confirm; a start cannot pre-confirm.
  expect((await post(`/handoffs/${id}/secrets/rotated`, h.tokens['u-ben'], {})).status).toBe(403);
  expect((await post(`/handoffs/${id}/secrets/rotated`, h.tokens['u-chen'], {})).status).toBe(403);
  const forged = await post('/handoffs', h.tokens['u-ben'], { ...withDealId(bundle, 'forged'), secretRotations: [{ by: 'u-ana', at: '2026-11-20T00:00:00Z', sites: ['document:it-email'] }] });
  expect(forged.status).toBe(400);
  expect(forged.body.errors.map((e: any) => e.path)).toContain('secretRotations');

  const confirmed = await expectStatus(post(`/handoffs/${id}/secrets/rotated`, h.tokens['u-ana'], { requestId: 'rotated-1' }), 200);
  const moved = await waitForStage(h, id, ['in_review']);
  expect(moved.gateFailures).toEqual([]);
  // Who and when are recorded in the handoff's new bundle.
  const stored = await loadBundle(h.pool, moved.bundleHash);
  expect(stored.secretRotations).toEqual([{ by: 'u-ana', at: expect.any(String), requestId: 'u-ana:rotated-1', sites: ['document:it-email'] }]);
  expect(Date.parse(stored.secretRotations![0].at)).toBeLessThanOrEqual(Date.now());
  expect(confirmed.handoffId).toBe(id);

  // A retry answers like the first; a new confirmation with nothing to confirm is 409.
  expect((await post(`/handoffs/${id}/secrets/rotated`, h.tokens['u-ana'], { requestId: 'rotated-1' })).status).toBe(200);
  expect((await post(`/handoffs/${id}/secrets/rotated`, h.tokens['u-ana'], {})).status).toBe(409);
  // Ops may confirm too (nothing left here, so 409 rather than 403), and the route is in the OpenAPI document.
  expect((await post(`/handoffs/${id}/secrets/rotated`, h.tokens['u-ops'], {})).status).toBe(409);
  const doc = (await get('/openapi.json')).body;
  expect(doc.paths['/handoffs/{id}/secrets/rotated'].post.operationId).toBe('confirmSecretsRotated');
});
