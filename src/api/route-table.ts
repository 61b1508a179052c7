import type { Request, RequestHandler, Response } from 'express';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Config } from '../config';
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

/** `public`: no token; `any`: any valid token; a list: one of these roles (admin always passes). */
export type RouteAuth = 'public' | 'any' | readonly Role[];

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

type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, X> {
  method: 'get' | 'post';
  /** Express syntax (`/handoffs/:id`); the document shows `{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
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

/** The express handler of one route: role gate, params, query, authorize, body, handler. */
function handlerFor(route: ApiRoute, deps: ApiDeps): RequestHandler {
  return async (req, res) => {
    if (route.auth !== 'public') {
      if (!req.actor) throw unauthorized();
      if (route.auth !== 'any' && !hasRole(req.actor, route.auth)) throw forbidden(`needs one of the roles: ${route.auth.join(', ')}`);
    }
    const params = parsePart(route.params, req.params, 'params') as Record<string, unknown> | undefined;
    if (typeof params?.id === 'string') req.handoffId = params.id;
    const query = parsePart(route.query, req.query ?? {}, 'query');
    const base = { req, res, deps, actor: req.actor!, params, query };
    const loaded = route.authorize ? await route.authorize(base) : undefined;
    const body = parsePart(route.body, req.body, 'body');
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
