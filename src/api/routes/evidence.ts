import type { PoolClient } from 'pg';
import { z } from 'zod';
import { loadBundle, storeBundle } from '../../db/bundles';
import { connect, inLockedTransaction, LockTimedOut, release } from '../../db/transactions';
import { IntakeBundle, type EvidenceDocument } from '../../domain/intake';
import { redactBundle } from '../../domain/redact';
import type { HandoffState } from '../../domain/review';
import { addEvidenceUpdate, requestChangesUpdate } from '../../workflows/definitions';
import { anyOf, capacities, queryState, requireCapacity } from '../access';
import { present } from '../present';
import { conflict, invalidRequest, unavailable } from '../problem';
import { defineRoute, type ApiDeps } from '../route-table';
import { HandoffParams, HandoffView, schemas } from '../schemas';
import { claimRequestId } from '../request-ids';
import { describeUploads, storeUploads, UploadedFile } from '../uploads';
import { runUpdate } from './actions';

// Routes that change the evidence: the API stores the new bundle (redacted, content-addressed) and
// the workflow only learns its hash. Large texts never enter workflow history.

/**
 * Bundle changes of one handoff in this API instance wait their turn here, holding no pooled
 * connection: ten posts at once queue in memory instead of taking every connection of the pool.
 */
const turns = new Map<string, Promise<void>>();
function inTurn<T>(handoffId: string, work: () => Promise<T>): Promise<T> {
  const before = turns.get(handoffId) ?? Promise.resolve();
  const run = before.then(work);
  const settled = run.then(() => undefined, () => undefined);
  turns.set(handoffId, settled);
  void settled.then(() => turns.get(handoffId) === settled && turns.delete(handoffId));
  return run;
}

/** Rounds of "another API instance changed the bundle first, build again" before giving up. */
const MAX_ROUNDS = 10;

/**
 * Changes one handoff's bundle and tells its workflow, all on ONE pooled connection (a holder that
 * waited for a second one froze the API once the pool ran dry):
 * 1. read the workflow's bundle, build the new one on it and store it, committed, since the worker
 *    reads bundles by hash as soon as the update lands;
 * 2. in one transaction holding pg_advisory_xact_lock, check that the workflow still has the bundle
 *    we built on and send the update. If another API instance got there first, build again on its
 *    bundle, so no change ever drops another's documents.
 */
export async function changeBundle(
  deps: ApiDeps,
  handoffId: string,
  /** The new bundle; undefined when there is nothing to change (a retry that already landed). */
  build: (current: IntakeBundle) => IntakeBundle | undefined,
  send: (bundleHash: string, previousHash: string, client: PoolClient) => Promise<HandoffState>,
): Promise<HandoffState> {
  return inTurn(handoffId, async () => {
    let client: PoolClient;
    try {
      client = await connect(deps.pool);
    } catch (err) {
      throw unavailable(`the database did not give a connection in time (${(err as Error).message}); retry`);
    }
    try {
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        const current = await queryState(deps.client, handoffId);
        const base = current.bundleHash;
        const next = build(await loadBundle(client, base));
        if (!next) return current;
        const bundleHash = await storeBundle(client, next);
        try {
          const state = await inLockedTransaction(client, `bundle:${handoffId}`, async () => {
            const head = (await queryState(deps.client, handoffId)).bundleHash;
            return head === base ? send(bundleHash, base, client) : undefined;
          });
          if (state) return state;
        } catch (err) {
          if (err instanceof LockTimedOut) throw unavailable(`evidence of handoff ${handoffId} is being changed elsewhere; retry`);
          throw err;
        }
      }
      throw conflict(`the evidence of handoff ${handoffId} kept changing while this request was built; retry`);
    } finally {
      // A connection whose transaction could not be rolled back is closed, never handed on holding a lock.
      release(client);
    }
  });
}

/** Redacts documents on their own (not the rest of the bundle, which is stored redacted already). */
function redactDocuments(bundle: IntakeBundle, documents: EvidenceDocument[]): EvidenceDocument[] {
  return redactBundle({ ...bundle, documents, successCriteria: undefined, notSold: undefined }).bundle.documents;
}

/** The merged bundle must still be a valid bundle (e.g. "crm" is a reserved id). */
function validBundle(bundle: IntakeBundle): IntakeBundle {
  const parsed = IntakeBundle.safeParse(bundle);
  if (!parsed.success) throw invalidRequest(parsed.error, 'body');
  return parsed.data;
}

const evidenceAdders = anyOf(capacities.handoffOwner, capacities.salesOwner, capacities.ops, capacities.admin);
export const addEvidence = defineRoute({
  method: 'post',
  path: '/handoffs/:id/evidence',
  operationId: 'addEvidence',
  summary: 'Add documents (and kickoff or system-of-record corrections); the gates run again',
  description:
    'Document ids must be new to the handoff (409 otherwise). Secrets are redacted before storage. ' +
    'Owners are not accepted here (400 at `owners`): they change through POST /handoffs/{id}/owners.',
  tag: 'evidence',
  auth: 'any',
  who: evidenceAdders.describe,
  params: HandoffParams,
  body: schemas.AddEvidenceBody,
  upload: { field: 'evidence', description: 'Optional: the rest of the evidence body as JSON (documents, kickoffTarget, systemOfRecord); one document is added per file' },
  authorize: requireCapacity(evidenceAdders),
  responses: {
    200: { description: 'The handoff\'s new state; `files` (multipart) shows each file\'s document id and kind, given or inferred, to confirm', schema: HandoffView.extend({ files: z.array(UploadedFile).optional() }) },
  },
  errors: [404, 409, 503],
  async handler({ deps, req, actor, params, body, res }) {
    const { requestId, repeated } = await claimRequestId(deps, req, actor, body);
    const uploads = req.uploads;
    const documentIds = body.documents.map((d) => d.id);
    const state = await changeBundle(
      deps,
      params.id,
      (bundle) => {
        const existing = new Set(bundle.documents.map((d) => d.id));
        const clash = documentIds.find((id) => existing.has(id));
        // The same request retried (same requestId and body) after it landed: its documents are there.
        if (clash && repeated && documentIds.every((id) => existing.has(id))) return undefined;
        if (clash) throw conflict(`document ${clash} is already part of this handoff; give the new document a new id`);
        return validBundle({
          ...bundle,
          documents: [...bundle.documents, ...redactDocuments(bundle, body.documents)],
          ...(body.kickoffTarget ? { kickoffTarget: body.kickoffTarget } : {}),
          ...(body.systemOfRecord ? { systemOfRecord: body.systemOfRecord } : {}),
        });
      },
      async (bundleHash, _base, client) => {
        // In the transaction that sends the update: a refused update stores none of the files.
        if (uploads?.length) await storeUploads(client, params.id, uploads, actor);
        return runUpdate(deps, params.id, addEvidenceUpdate, { requestId, actor, bundleHash, documentIds, kickoffTarget: body.kickoffTarget }, client);
      },
    );
    res.json({ ...present(deps.config, state), ...(uploads?.length ? { files: describeUploads(uploads) } : {}) });
  },
});

const changeRequesters = anyOf(capacities.routedReviewer, capacities.implementationOwner, capacities.admin);
export const requestChanges = defineRoute({
  method: 'post',
  path: '/handoffs/:id/changes',
  operationId: 'requestChanges',
  summary: 'Ask for a redraft; the comment becomes evidence for the next draft',
  description: 'The comment is stored as a document of kind "other" (id review-comment-<n>) in a new bundle.',
  tag: 'review',
  auth: 'any',
  who: changeRequesters.describe,
  params: HandoffParams,
  body: schemas.RequestChangesBody,
  authorize: requireCapacity(changeRequesters),
  responses: { 200: { description: 'The handoff\'s new state', schema: HandoffView } },
  errors: [404, 409, 503],
  async handler({ deps, req, actor, params, body, res }) {
    const { requestId } = await claimRequestId(deps, req, actor, body);
    const capturedAt = new Date().toISOString();
    const state = await changeBundle(
      deps,
      params.id,
      (bundle) => {
        const taken = bundle.documents.map((d) => /^review-comment-(\d+)$/.exec(d.id)?.[1]).filter(Boolean).map(Number);
        const comment: EvidenceDocument = {
          id: `review-comment-${Math.max(0, ...taken) + 1}`,
          kind: 'other',
          title: `Review comment by ${actor.id}`,
          capturedAt,
          text: body.comment,
        };
        return validBundle({ ...bundle, documents: [...bundle.documents, ...redactDocuments(bundle, [comment])] });
      },
      (bundleHash, _base, client) => runUpdate(deps, params.id, requestChangesUpdate, { ...body, requestId, actor, bundleHash }, client),
    );
    res.json(present(deps.config, state));
  },
});
