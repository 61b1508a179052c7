import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { defineRoute, openApiPath, type ApiRoute } from './route-table';
import { multipartSchema } from './uploads';
import { IdempotencyKey, Problem } from './schemas';

// /openapi.json is generated from the route table and the same zod schemas the router parses with.

const problemStatuses: Record<number, string> = {
  400: 'Malformed request: zod field paths in `errors`',
  401: 'No valid bearer token or session cookie',
  403: 'The caller may not do this',
  404: 'No such handoff (or not visible to the caller), item or question',
  409: 'Conflict: stale packet version, item already decided, handoff finished, or an Idempotency-Key still in flight',
  413: 'The body is larger than the API accepts',
  415: 'The body is not JSON (nor a form, for the sign-in form)',
  422: 'The Idempotency-Key was used before with a different request',
  503: 'Temporal or Postgres did not answer',
};

const problem = (status: number): ResponseConfig => ({
  description: problemStatuses[status] ?? 'Error',
  content: { 'application/problem+json': { schema: Problem } },
});

/** The problem statuses a route can answer, from what it is: public or not, with a body or not. */
export function errorStatuses(route: ApiRoute): number[] {
  const statuses = new Set<number>(route.errors ?? []);
  if (route.params || route.query || route.body) statuses.add(400);
  if (route.auth !== 'public') statuses.add(401);
  if (route.auth !== 'public' && route.auth !== 'signature' && (route.auth !== 'any' || route.authorize)) statuses.add(403);
  if (route.method === 'post') [400, 409, 413, 415, 422].forEach((s) => statuses.add(s));
  return [...statuses].filter((s) => !route.responses[s]).sort();
}

/** Routes that take files also document their multipart/form-data body. */
const multipartContent = (route: ApiRoute) => (route.upload ? { 'multipart/form-data': { schema: multipartSchema(route.upload) } } : {});

function routeConfig(route: ApiRoute): RouteConfig {
  const responses: RouteConfig['responses'] = {};
  for (const [status, answer] of Object.entries(route.responses)) {
    const content: Record<string, { schema: z.ZodType | { type: 'string' } }> = {};
    if (answer.schema) content[answer.contentType ?? 'application/json'] = { schema: answer.schema };
    else if (answer.contentType) content[answer.contentType] = { schema: { type: 'string' } };
    for (const [type, schema] of Object.entries(answer.alternatives ?? {})) content[type] = { schema };
    responses[status] = { description: answer.description, ...(Object.keys(content).length ? { content } : {}) };
  }
  for (const status of errorStatuses(route)) responses[status] = problem(status);
  return {
    method: route.method,
    path: openApiPath(route.path),
    operationId: route.operationId,
    summary: route.summary,
    description: [route.description, `Who: ${route.who}.`].filter(Boolean).join('\n\n'),
    tags: [route.tag],
    security: route.auth === 'public' ? [] : route.auth === 'signature' ? [{ [route.signatureScheme ?? 'intakeSignature']: [] }] : [{ bearer: [] }, { session: [] }],
    request: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.method === 'post' && route.bodyType !== 'form' ? { headers: z.object({ 'idempotency-key': IdempotencyKey.optional().describe('Replays the first answer to a retried POST') }) } : {}),
      ...(route.body ? { body: { required: true, content: { [route.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json']: { schema: route.body }, ...multipartContent(route) } } } : {}),
    },
    responses,
  };
}

export function buildOpenApiDocument(routes: ApiRoute[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from `handoff tokens create`; it names a principal with roles (ops, sales, implementation, reviewer, admin)',
  });
  // Webhooks carry no token: the sender signs the raw body (HMAC-SHA256), see README "Any CRM: signed webhook".
  registry.registerComponent('securitySchemes', 'intakeSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Handoff-Signature',
    description: '`sha256=<hex HMAC-SHA256 of "<X-Handoff-Timestamp>.<raw body>">` with the secret of the source named in X-Handoff-Source; the timestamp (Unix seconds) must be within 5 minutes',
  });
  registry.registerComponent('securitySchemes', 'hubspotSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-HubSpot-Signature-v3',
    description: 'HubSpot v3: base64 HMAC-SHA256 of method + URI + raw body + X-HubSpot-Request-Timestamp (ms, within 5 minutes) with the app\'s client secret',
  });
  registry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'handoff_session',
    description: 'The browser session of a sign-in link (GET /auth/login); every write with it also needs the x-csrf-token header of GET /auth/session',
  });
  for (const route of routes) registry.registerPath(routeConfig(route));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Handoff API',
      version: '1.0.0',
      description: 'Carries a closed deal from sales into implementation: a durable Temporal workflow per handoff. Errors are RFC 9457 problem details.',
    },
    security: [{ bearer: [] }, { session: [] }],
  });
}

/** The route serving the document of the given table (built once, on first request). */
export function openApiRoute(routes: () => ApiRoute[]): ApiRoute {
  let document: unknown;
  return defineRoute({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This OpenAPI 3.1 document',
    tag: 'meta',
    auth: 'public',
    who: 'anyone (no token)',
    responses: { 200: { description: 'OpenAPI 3.1', contentType: 'application/json' } },
    handler({ res }) {
      document ??= buildOpenApiDocument(routes());
      res.json(document);
    },
  });
}
