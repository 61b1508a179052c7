import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { actorForToken } from '../db/tokens';
import type { Actor } from '../domain/review';
import { unauthorized } from './problem';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

/** Every route but health and the OpenAPI document needs `Authorization: Bearer <token>`. */
export function authenticate(pool: Pool): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer\s+([\x21-\x7e]{1,200})$/i.exec(req.get('authorization') ?? '');
    const actor = match ? await actorForToken(pool, match[1]) : undefined;
    if (!actor) {
      res.set('www-authenticate', 'Bearer');
      return next(unauthorized());
    }
    req.actor = actor;
    next();
  };
}

