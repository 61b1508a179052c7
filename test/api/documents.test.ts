import { buildOpenApiDocument } from '../../src/api/openapi';
import { apiRoutes } from '../../src/api/routes';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import type { Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// GET /handoffs/:id/documents(/:documentId): the stored, redacted evidence a packet cites, so the web
// app can show a cited quote in context; for the handoff's parties only.

let h: Harness;
let handoffId: string;

beforeAll(async () => {
  h = await startApiHarness();
  ({ handoffId } = await handoffInReview(h, 'documents-read'));
});
afterAll(async () => {
  await h?.close();
});

const bundle = loadSharedFixture('worked-example');

test('the list names every bundle document and the virtual crm record, without texts', async () => {
  const res = await h.request('GET', `/handoffs/${handoffId}/documents`, { token: h.tokens['u-chen'] });
  expect(res.status).toBe(200);
  expect(res.body.handoffId).toBe(handoffId);
  const ids = res.body.documents.map((d: { id: string }) => d.id);
  expect(ids).toEqual([...bundle.documents.map((d) => d.id), 'crm']);
  const orderForm = res.body.documents[0];
  expect(orderForm).toEqual({ id: 'order-form', kind: 'agreement', title: bundle.documents[0].title, capturedAt: bundle.documents[0].capturedAt, length: bundle.documents[0].text.length });
  expect(JSON.stringify(res.body)).not.toContain(bundle.documents[0].text.slice(0, 40));
});

test('every citation of the packet is found verbatim in the document the route answers', async () => {
  const packet = (await h.request('GET', `/handoffs/${handoffId}/packet`, { token: h.tokens['u-chen'] })).body;
  const citations = [...packet.contractFacts, ...packet.impliedPromises, ...packet.soldScope].flatMap((s: { sources: Array<{ documentId: string; quote: string }> }) => s.sources);
  expect(citations.length).toBeGreaterThan(3);
  const texts = new Map<string, string>();
  for (const { documentId, quote } of citations) {
    if (!texts.has(documentId)) {
      const res = await h.request('GET', `/handoffs/${handoffId}/documents/${documentId}`, { token: h.tokens['u-ben'] });
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(documentId);
      texts.set(documentId, res.body.text);
    }
    expect(texts.get(documentId)).toContain(quote);
  }
  expect(texts.size).toBeGreaterThan(1);
});

test('a document text comes back redacted, as stored', async () => {
  const withSecret = withDealId(loadSharedFixture('worked-example'), 'documents-secret');
  withSecret.documents[3] = { ...withSecret.documents[3], text: `${withSecret.documents[3].text}\nKronos admin pass: Zq4!mR8#tWv for the first login.` };
  const started = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: withSecret });
  expect(started.status).toBe(201);
  const res = await h.request('GET', `/handoffs/${started.body.handoffId}/documents/${withSecret.documents[3].id}`, { token: h.tokens['u-ana'] });
  expect(res.status).toBe(200);
  expect(res.body.text).not.toContain('Zq4!mR8#tWv');
  expect(res.body.text).toContain('[REDACTED');
});

test('outsiders get 404, no token 401, an unknown document 404 and a malformed id 400', async () => {
  for (const who of ['u-outsider', 'u-dev']) {
    expect((await h.request('GET', `/handoffs/${handoffId}/documents`, { token: h.tokens[who] })).status).toBe(404);
    expect((await h.request('GET', `/handoffs/${handoffId}/documents/order-form`, { token: h.tokens[who] })).status).toBe(404);
  }
  expect((await h.request('GET', `/handoffs/${handoffId}/documents/order-form`)).status).toBe(401);
  const unknown = await h.request('GET', `/handoffs/${handoffId}/documents/no-such-doc`, { token: h.tokens['u-chen'] });
  expect(unknown.status).toBe(404);
  expect(unknown.body.detail).toContain('no document no-such-doc');
  const bad = await h.request('GET', `/handoffs/${handoffId}/documents/${encodeURIComponent('..%bad')}`, { token: h.tokens['u-chen'] });
  expect(bad.status).toBe(400);
  expect(bad.body.errors[0].path).toBe('params.documentId');
});

test('the OpenAPI document describes both routes', () => {
  const doc = buildOpenApiDocument(apiRoutes) as any;
  expect(doc.paths['/handoffs/{id}/documents'].get.operationId).toBe('listDocuments');
  expect(doc.paths['/handoffs/{id}/documents/{documentId}'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/SourceDocument');
});

test('the handoff view names its owners and the history names each stage entered, for the web app', async () => {
  const view = await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens['u-chen'] });
  expect(view.body.owners).toEqual({ handoffOwner: 'u-ana', sales: 'u-ben', implementation: 'u-chen' });
  const history = await h.request('GET', `/handoffs/${handoffId}/history`, { token: h.tokens['u-chen'] });
  const stages = history.body.list.filter((e: { detail?: string }) => e.detail?.startsWith('stage:'));
  expect(stages.map((e: { detail: string }) => e.detail)).toEqual(expect.arrayContaining(['stage:drafting', 'stage:in_review']));
  expect(stages.every((e: { type: string; time: string | null }) => e.type === 'UpsertWorkflowSearchAttributes' && e.time)).toBe(true);
});
