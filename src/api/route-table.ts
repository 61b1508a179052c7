import type { Request, RequestHandler, Response } from 'express';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Config } from '../config';
import { redactSecrets } from '../domain/redact';
import type { Actor, Role } from '../domain/review';
import { badRequest, forbidden, invalidRequest, unauthorized } from './problem';

// One table of routes: the router and /openapi.json are both built from it, so no route can go
// undocumented. Each route names who may call it, its params/query/body schemas and its answers.

export interface ApiDeps {
  client: Client;
  pool: Pool;
  config: Config;
  metrics: Registry;
}

/**
 * `public`: no token; `any`: any valid token; a list: one of these roles (admin always passes);
 * `signature`: no token, the caller signs the raw body (webhooks; `authorize` checks it, `signatureScheme` documents it).
 */
export type RouteAuth = 'public' | 'any' | 'signature' | readonly Role[];

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
  /** More representations of the same answer, e.g. text/markdown. */
  alternatives?: Record<string, z.ZodType>;
}

export interface RouteContext<P, Q, B, X> {
  req: Request;
  res: Response;
  deps: ApiDeps;
  /** Undefined only on public routes. */
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  /** What `authorize` loaded (e.g. the handoff's state and owners). */
  loaded: X;
}

/** A multipart request: the route's JSON body in form field `field` (without the file documents), files in `file` parts. */
export interface UploadSpec {
  field: 'bundle' | 'evidence';
  description: string;
}

type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, X> {
  method: 'get' | 'post';
  /** How a POST body comes: JSON (default), or an HTML form (application/x-www-form-urlencoded) for the no-script sign-in page. */
  bodyType?: 'json' | 'form';
  /** JSON routes that also take multipart/form-data: files become evidence documents (src/api/uploads.ts). */
  upload?: UploadSpec;
  /** Express syntax (`/handoffs/:id`); the document shows `{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
  /** With auth 'signature': the OpenAPI security scheme that describes the signature headers. */
  signatureScheme?: 'intakeSignature' | 'hubspotSignature';
  /** Who may call it, in words, for the document and docs/api.md. */
  who: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Runs before the body is read: loads what the access rule needs and refuses with 404/403. */
  authorize?: (ctx: Omit<RouteContext<z.output<P>, z.output<Q>, unknown, unknown>, 'body' | 'loaded'>) => Promise<X>;
  /** Answers besides the problem+json errors every route may give. */
  responses: Record<number, RouteResponse>;
  /** Problem statuses specific to this route (400/401/403/413/415/422 are added by kind). */
  errors?: number[];
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>, X>) => Promise<void> | void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiRoute = RouteSpec<any, any, any, any>;

export function defineRoute<P extends AnyObject = z.ZodObject<{}>, Q extends AnyObject = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined, X = undefined>(
  spec: RouteSpec<P, Q, B, X>,
): ApiRoute {
  return spec as ApiRoute;
}

export const hasRole = (actor: Actor | undefined, roles: readonly Role[]): boolean =>
  !!actor?.roles.some((r) => r === 'admin' || roles.includes(r));

/** The route's path as a label: metrics and logs group by it, never by raw URLs. */
declare module 'express-serve-static-core' {
  interface Request {
    routeLabel?: string;
    handoffId?: string;
    /** The body's bytes as received (app.ts keeps them for signed webhooks). */
    rawBody?: Buffer;
  }
}

/** The path of the first string holding a NUL: Postgres text and jsonb cannot store one. */
function nulPath(value: unknown, path: string[] = [], depth = 0): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (!value || typeof value !== 'object' || depth > 64) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const found = nulPath(inner, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, part: 'params' | 'query' | 'body'): T {
  if (!schema) return undefined as T;
  const nul = nulPath(value);
  if (nul) throw badRequest(`the request ${part} is not valid`, { errors: [{ path: [...(part === 'body' ? [] : [part]), ...nul].join('.'), message: 'NUL characters are not accepted' }] });
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, part);
  return parsed.data;
}

/**
 * Every string of a request body with secrets replaced by `[REDACTED:<kind>]`, and where they were.
 * Runs on every route, after the body is parsed and before any handler sees it: comments, answers,
 * reasons and notes are stored and sent to the workflow (whose history keeps them) only redacted,
 * and a route added later cannot forget it.
 */
export function redactBodyStrings(value: unknown, path: string[] = [], found: Array<{ path: string; kinds: string[] }> = [], depth = 0): { value: unknown; found: Array<{ path: string; kinds: string[] }> } {
  if (typeof value === 'string') {
    const result = redactSecrets(value);
    if (!result.findings.length) return { value, found };
    found.push({ path: path.join('.'), kinds: [...new Set(result.findings.map((f) => f.kind))] });
    return { value: result.text, found };
  }
  if (!value || typeof value !== 'object' || depth > 64) return { value, found };
  if (Array.isArray(value)) return { value: value.map((item, i) => redactBodyStrings(item, [...path, String(i)], found, depth + 1).value), found };
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = redactBodyStrings(inner, [...path, key], found, depth + 1).value;
  return { value: out, found };
}

/**
 * The parsed body, its secrets redacted. The redacted raw body is parsed again, so the route gets
 * exactly what its schema makes of it; a field that cannot hold a marker (an id, a hash, a date)
 * and held a secret is refused with 400 at its path rather than stored.
 */
function redactBody<T>(schema: z.ZodType<T> | undefined, raw: unknown, parsed: T): T {
  if (!schema) return parsed;
  const { value, found } = redactBodyStrings(raw);
  if (!found.length) return parsed;
  const again = schema.safeParse(value);
  if (again.success) return again.data;
  const refused = new Set(again.error.issues.map((issue) => issue.path.join('.')));
  const errors = found
    .filter((f) => refused.has(f.path) || !refused.size)
    .map((f) => ({ path: f.path, message: `holds what looks like a credential (${f.kinds.join(', ')}); secrets are not accepted in this field` }));
  throw badRequest('the request body holds a credential where it cannot be redacted', { errors: errors.length ? errors : found.map((f) => ({ path: f.path, message: 'holds what looks like a credential' })) });
}

/** The express handler of one route: role gate, params, query, authorize, body (redacted), handler. */
function handlerFor(route: ApiRoute, deps: ApiDeps): RequestHandler {
  return async (req, res) => {
    if (route.auth !== 'public' && route.auth !== 'signature') {
      if (!req.actor) throw unauthorized();
      if (route.auth !== 'any' && !hasRole(req.actor, route.auth)) throw forbidden(`needs one of the roles: ${route.auth.join(', ')}`);
    }
    const params = parsePart(route.params, req.params, 'params') as Record<string, unknown> | undefined;
    if (typeof params?.id === 'string') req.handoffId = params.id;
    const query = parsePart(route.query, req.query ?? {}, 'query');
    const base = { req, res, deps, actor: req.actor!, params, query };
    const loaded = route.authorize ? await route.authorize(base) : undefined;
    const body = redactBody(route.body, req.body, parsePart(route.body, req.body, 'body'));
    await route.handler({ ...base, body, loaded });
  };
}

/**
 * The router of the table. `before(route)` runs ahead of each route (authentication, idempotency),
 * so unknown paths still fall through to the 404 handler without asking for a token.
 */
export function buildRouter(routes: ApiRoute[], deps: ApiDeps, before: (route: ApiRoute) => RequestHandler[]): Router {
  const router = Router();
  for (const route of routes) {
    const label: RequestHandler = (req, _res, next) => {
      req.routeLabel = route.path;
      next();
    };
    router[route.method](route.path, label, ...before(route), handlerFor(route, deps));
  }
  return router;
}

/** `/handoffs/:id` as OpenAPI writes it: `/handoffs/{id}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
