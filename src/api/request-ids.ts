import { createHash, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { canonicalJson } from '../domain/canonical-json';
import { claimRequestIdRow } from '../db/request-ids';
import type { Actor } from '../domain/review';
import { HttpProblem, unavailable } from './problem';
import type { ApiDeps } from './route-table';

// A requestId (body, else the Idempotency-Key header) becomes the workflow update id, and Temporal
// answers a repeated update id with the first update's result without running it again. Reused for
// another item or action, it used to answer 200 and do nothing. So the API remembers, per principal,
// which request (method, path with its handoff and item, body hash) each requestId was first used
// for: the same request again is a retry; anything else is 409.

export interface ClaimedRequestId {
  /** `<principal>:<id>`: the update id and the audit request id. */
  requestId: string;
  /** The same request was sent before under this id (a retry). */
  repeated: boolean;
}

const requestHash = (method: string, path: string, body: unknown) =>
  createHash('sha256').update(canonicalJson({ method, path, body: body ?? null })).digest('hex');

/**
 * The request id of an action, claimed for this request. Called by a route's handler, after the
 * access checks and with the parsed body, so a refused or malformed request is answered as such.
 */
export async function claimRequestId(deps: ApiDeps, req: Request, actor: Actor, body: { requestId?: string }): Promise<ClaimedRequestId> {
  const given = body.requestId ?? req.get('idempotency-key');
  // No id given: a fresh one can never collide.
  if (given === undefined) return { requestId: `${actor.id}:${randomUUID()}`, repeated: false };
  const requestId = `${actor.id}:${given}`;
  const hash = requestHash(req.method, req.path, body);
  try {
    const claim = await claimRequestIdRow(deps.pool, actor.id, given, { method: req.method, path: req.path, requestHash: hash });
    if (claim.claimed) return { requestId, repeated: false };
    const { first } = claim;
    if (first && first.method === req.method && first.path === req.path && first.requestHash === hash) return { requestId, repeated: true };
    const usedFor = first ? `${first.method} ${first.path}` : 'another request';
    const detail =
      first && first.path === req.path
        ? `requestId "${given}" was already used for ${usedFor} with another body; a retry sends the same body, another action needs a new requestId`
        : `requestId "${given}" was already used for ${usedFor}; another item or action needs a new requestId`;
    throw new HttpProblem(409, 'Conflict', detail, { requestId: given, usedFor });
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    // An exhausted pool (connection timeout): the service, not the request, is at fault.
    throw unavailable(`the request id could not be checked (${(err as Error).message}); retry`);
  }
}
