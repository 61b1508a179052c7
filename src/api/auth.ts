import { timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { sessionFor, type Session, type SessionLimits } from '../db/sessions';
import { actorForToken } from '../db/tokens';
import type { Actor } from '../domain/review';
import { forbidden, unauthorized } from './problem';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
    /** Set when the caller came with the session cookie (a person in the browser), not a bearer token. */
    session?: Session & { id: string };
  }
}

/** The browser session cookie (httpOnly, SameSite=Strict, Path=/, Secure under HTTPS). */
export const SESSION_COOKIE = 'handoff_session';
export const CSRF_HEADER = 'x-csrf-token';

export const sessionLimits = (config: Config): SessionLimits => ({ idleS: config.SESSION_IDLE_TIMEOUT_S, absoluteS: config.SESSION_ABSOLUTE_TIMEOUT_S });

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How long a bearer token's principal is remembered (so how long a revocation may take to reach an API). */
export const TOKEN_CACHE_MS = 2_000;

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Why a browser request does not come from this site's own pages, or undefined when it may. Current
 * browsers send `Sec-Fetch-Site` on every request, so it decides when present; older ones send
 * `Origin` on every POST. A client that sends neither is no browser page another site could drive,
 * and the CSRF token still binds it.
 */
export function crossSiteReason(req: Request): string | undefined {
  const fetchSite = req.get('sec-fetch-site');
  if (fetchSite) return fetchSite === 'same-origin' ? undefined : `the request came from another site (Sec-Fetch-Site: ${fetchSite.slice(0, 40)})`;
  const origin = req.get('origin');
  if (origin && origin !== `${req.protocol}://${req.get('host')}`) return 'the request came from another origin';
  return undefined;
}

/** Cookie options of the session cookie; Secure over HTTPS (req.secure honours TRUST_PROXY) or when config says. */
export function sessionCookieOptions(req: Request, config: Config, maxAgeMs?: number) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    path: '/',
    secure: req.secure || config.SESSION_COOKIE_SECURE,
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  };
}

export function clearSessionCookie(req: Request, res: Response, config: Config): void {
  res.clearCookie(SESSION_COOKIE, sessionCookieOptions(req, config));
}

/**
 * Every route but health, sign-in and the OpenAPI document needs a caller: `Authorization: Bearer
 * <token>` (integrations; wins when present) or the session cookie (people in the web app). A
 * cookie write (any method but GET/HEAD/OPTIONS) must also carry the session's CSRF token in
 * `x-csrf-token` and come from this origin; bearer requests are not CSRF-checked, since no browser
 * attaches a bearer token on its own.
 */
export function authenticate(pool: Pool, config: Config): RequestHandler {
  const limits = sessionLimits(config);
  // A token's principal is remembered briefly: a client acting in bursts is looked up once, not on
  // every request. Only valid tokens are kept, so a revoked token (or a changed role) is refused
  // by every API within TOKEN_CACHE_MS. Keyed by the token itself, held only in this process.
  const known = new LRUCache<string, Actor>({ max: 10_000, ttl: TOKEN_CACHE_MS });
  const actorOf = async (token: string): Promise<Actor | undefined> => {
    const cached = known.get(token);
    // A copy each time: a request never changes what the next one is told.
    if (cached) return { id: cached.id, roles: [...cached.roles] };
    const actor = await actorForToken(pool, token);
    if (actor) known.set(token, actor);
    return actor;
  };
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+([\x21-\x7e]{1,200})$/i.exec(header);
      const actor = match ? await actorOf(match[1]) : undefined;
      if (!actor) {
        res.set('www-authenticate', 'Bearer');
        return next(unauthorized());
      }
      req.actor = actor;
      return next();
    }
    const sessionId: unknown = req.cookies?.[SESSION_COOKIE];
    const session = typeof sessionId === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(sessionId) ? await sessionFor(pool, sessionId, limits) : undefined;
    if (!session) {
      if (sessionId !== undefined) clearSessionCookie(req, res, config);
      res.set('www-authenticate', 'Bearer');
      return next(unauthorized());
    }
    if (!safeMethods.has(req.method)) {
      const token = req.get(CSRF_HEADER);
      if (!token || !sameSecret(token, session.csrfToken)) return next(forbidden(`a signed-in write needs the ${CSRF_HEADER} header of GET /auth/session`));
      const crossSite = crossSiteReason(req);
      if (crossSite) return next(forbidden(crossSite));
    }
    req.session = { ...session, id: sessionId as string };
    req.actor = { id: session.principal.id, roles: session.principal.roles };
    next();
  };
}
