import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { actorForToken } from '../db/tokens';
import type { Actor, Role } from '../domain/review';
import { HttpProblem, forbidden } from './problem';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

const unauthorized = () => new HttpProblem(401, 'Unauthorized', 'a valid bearer token is required');

/** Every route behind this needs `Authorization: Bearer <token>`. */
export function authenticate(pool: Pool): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer\s+(\S{1,200})$/i.exec(req.get('authorization') ?? '');
    const actor = match ? await actorForToken(pool, match[1]) : undefined;
    if (!actor) {
      res.set('www-authenticate', 'Bearer');
      return next(unauthorized());
    }
    req.actor = actor;
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.actor?.roles.some((r) => roles.includes(r) || r === 'admin')) return next(forbidden(`needs one of the roles: ${roles.join(', ')}`));
    next();
  };
}

export const actorOf = (req: { actor?: Actor }): Actor => {
  if (!req.actor) throw unauthorized();
  return req.actor;
};
