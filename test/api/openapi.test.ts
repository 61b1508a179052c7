import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createApp } from '../../src/api/app';
import { buildOpenApiDocument } from '../../src/api/openapi';
import { openApiPath } from '../../src/api/route-table';
import { apiRoutes } from '../../src/api/routes';
import { loadConfig } from '../../src/config';

// The router and the document come from one route table; this walks what express actually
// registered and checks that each route is in the document, with its params, body and errors.
// No services needed: nothing here sends a request.

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function registeredRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m} ${openApiPath(layer.route!.path)}`);
    return layer.handle?.stack ? registeredRoutes(layer.handle.stack) : [];
  });
}

const app = createApp({ client: {} as Client, pool: {} as Pool, config: { ...loadConfig({}), LOG_LEVEL: 'silent' } });
const doc = buildOpenApiDocument(apiRoutes) as any;
const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));

test('every route express registered is documented, and nothing else', () => {
  const registered = registeredRoutes((app as any).router.stack);
  expect(registered.length).toBe(apiRoutes.length);
  expect(new Set(registered)).toEqual(new Set(documented));
});

test('the document is OpenAPI 3.1 with a bearer scheme; health and the document itself need no token', () => {
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  for (const path of ['/healthz', '/readyz', '/openapi.json']) expect(doc.paths[path].get.security).toEqual([]);
  expect(doc.paths['/handoffs'].post.security).toEqual([{ bearer: [] }, { session: [] }]);
});

describe.each(apiRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s', (_name, route) => {
  const op = doc.paths[openApiPath(route.path)][route.method];

  test('has an operation id, a summary and who may call it', () => {
    expect(op.operationId).toBe(route.operationId);
    expect(op.summary).toBeTruthy();
    expect(op.description).toContain('Who:');
  });

  test('documents its path params, query and body', () => {
    const pathParams = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]).sort();
    const documentedPath = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name).sort();
    expect(documentedPath).toEqual(pathParams);
    if (route.query) expect((op.parameters ?? []).some((p: any) => p.in === 'query')).toBe(true);
    // The sign-in form is the one body that is not JSON (a page without script posts it).
    if (route.body) expect(op.requestBody.content[route.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json'].schema).toBeDefined();
    if (route.method === 'post' && route.bodyType !== 'form') expect((op.parameters ?? []).some((p: any) => p.in === 'header' && p.name === 'idempotency-key')).toBe(true);
  });

  test('documents a success answer and its errors as problem+json', () => {
    const statuses = Object.keys(op.responses).map(Number);
    // 303: the sign-in form's success is a redirect into the app.
    expect(statuses.some((s) => s < 300 || s === 303)).toBe(true);
    const errors = statuses.filter((s) => s >= 400 && s !== 503);
    if (route.auth !== 'public') expect(errors).toEqual(expect.arrayContaining([401]));
    if (route.method === 'post') expect(errors).toEqual(expect.arrayContaining([400, 409, 413, 415, 422]));
    for (const s of errors) expect(op.responses[s].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
  });
});

test('request bodies and answers are the domain zod schemas, as components', () => {
  for (const name of ['IntakeBundle', 'AddEvidenceBody', 'ReviewDecisionBody', 'SignoffBody', 'HandoffView', 'Packet', 'Inbox', 'MeasurementSummary', 'Problem']) {
    expect(doc.components.schemas[name]).toBeDefined();
  }
  expect(doc.components.schemas.IntakeBundle.properties.trigger.enum).toEqual(['deal_closed', 'project_accepted', 'pre_kickoff_planning']);
  expect(doc.paths['/handoffs/{id}/packet'].get.responses[200].content['text/markdown']).toBeDefined();
});
