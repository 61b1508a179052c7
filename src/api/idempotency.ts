import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { claimIdempotencyKey, pruneIdempotencyKeys, readIdempotentAnswer, releaseIdempotencyKey, storeIdempotentAnswer } from '../db/idempotency-keys';
import { storableJson } from '../db/safe-text';
import { canonicalJson } from '../domain/canonical-json';
import { badRequest, conflict, HttpProblem, unprocessable, zodIssues } from './problem';
import { IdempotencyKey } from './schemas';

// POSTs with an Idempotency-Key answer a replay with the first answer (status and body), kept in
// Postgres so any API instance can replay it. Keyed by (principal, key): one client's keys never
// collide with another's. A 5xx is not kept, so a retry after a server fault runs again.

/** A request left in flight this long (a crashed instance) no longer blocks its key. */
const ABANDONED_AFTER = '5 minutes';
/** Keys are kept this long (as payment APIs do); older ones are pruned and a reuse counts as new. */
export const KEEP_KEYS_FOR = '24 hours';
const PRUNE_EVERY_MS = 60_000;

/** Recursive: app.ts runs bodyGuard first, so the body is at most MAX_BODY_DEPTH deep here. */
const requestHash = (method: string, path: string, body: unknown) =>
  createHash('sha256').update(canonicalJson({ method, path, body: body ?? null })).digest('hex');

export function idempotency(pool: Pool, logger: Logger): RequestHandler {
  let lastPrune = 0;
  // At most once a minute per API instance, off the request's path: the table stays a day deep.
  const pruneOldKeys = () => {
    if (Date.now() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = Date.now();
    pruneIdempotencyKeys(pool, KEEP_KEYS_FOR).catch((err) => logger.warn({ err }, 'pruning idempotency keys failed'));
  };
  return async (req, res, next) => {
    const header = req.get('idempotency-key');
    if (req.method !== 'POST' || header === undefined || !req.actor) return next();
    pruneOldKeys();
    const parsed = IdempotencyKey.safeParse(header);
    if (!parsed.success) throw badRequest('the Idempotency-Key header is not valid', { errors: zodIssues(parsed.error, 'headers.idempotency-key') });
    const key = parsed.data;
    const principal = req.actor.id;
    const hash = requestHash(req.method, req.path, req.body);

    const claimed = await claimIdempotencyKey(pool, { principalId: principal, key, method: req.method, path: req.path, requestHash: hash }, ABANDONED_AFTER);
    if (!claimed) {
      const first = await readIdempotentAnswer(pool, principal, key);
      if (!first) throw new HttpProblem(409, 'Conflict', 'the Idempotency-Key was released while this request arrived; retry');
      if (first.requestHash !== hash) throw unprocessable('this Idempotency-Key was used with a different request');
      if (first.status === null) {
        res.set('retry-after', '1');
        throw conflict('a request with this Idempotency-Key is still in flight');
      }
      res.status(first.status).set('idempotent-replayed', 'true');
      if (first.location) res.location(first.location);
      res.type(first.contentType ?? 'application/json').send(JSON.stringify(first.body));
      return;
    }

    // Keep the first answer before it leaves, so a replay right after it finds it.
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const status = res.statusCode;
      const saved =
        status >= 500
          ? releaseIdempotencyKey(pool, principal, key)
          : storeIdempotentAnswer(pool, principal, key, {
              status,
              contentType: String(res.get('content-type') ?? 'application/json').split(';')[0],
              location: res.get('location') ?? null,
              // jsonb refuses NUL and lone surrogates: a stored copy with U+FFFD beats a key stuck in flight.
              bodyJson: JSON.stringify(storableJson(body ?? null)),
            });
      saved
        .catch((err) => logger.error({ err, reqId: req.id }, 'could not store the idempotent answer'))
        .finally(() => json(body));
      return res;
    };
    next();
  };
}
