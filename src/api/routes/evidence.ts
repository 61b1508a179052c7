import type { Pool } from 'pg';
import { loadBundle, storeBundle } from '../../db/bundles';
import { IntakeBundle, type EvidenceDocument } from '../../domain/intake';
import { redactBundle } from '../../domain/redact';
import { addEvidenceUpdate, requestChangesUpdate } from '../../workflows/definitions';
import { anyOf, capacities, loadHandoffContext, requireCapacity } from '../access';
import { present } from '../present';
import { conflict, invalidRequest } from '../problem';
import { defineRoute, type ApiDeps } from '../route-table';
import { HandoffParams, HandoffView, schemas } from '../schemas';
import { requestIdFor, runUpdate } from './actions';

// Routes that change the evidence: the API stores the new bundle (redacted, content-addressed) and
// the workflow only learns its hash. Large texts never enter workflow history.

/**
 * Serialises bundle changes of one handoff across API instances: two evidence posts that read the
 * same bundle would otherwise each drop the other's documents.
 */
async function withHandoffLock<T>(pool: Pool, handoffId: string, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`bundle:${handoffId}`]);
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`bundle:${handoffId}`]);
    }
  } finally {
    client.release();
  }
}

/** The handoff's current bundle, read again under the lock. */
async function currentBundle(deps: ApiDeps, handoffId: string): Promise<IntakeBundle> {
  const ctx = await loadHandoffContext(deps.client, deps.pool, handoffId);
  return loadBundle(deps.pool, ctx.bundleHash);
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
  summary: 'Add documents (and owner, kickoff or system-of-record corrections); the gates run again',
  description: 'Document ids must be new to the handoff (409 otherwise). Secrets are redacted before storage.',
  tag: 'evidence',
  auth: 'any',
  who: evidenceAdders.describe,
  params: HandoffParams,
  body: schemas.AddEvidenceBody,
  authorize: requireCapacity(evidenceAdders),
  responses: { 200: { description: 'The handoff\'s new state', schema: HandoffView } },
  errors: [404, 409],
  async handler({ deps, req, actor, params, body, res }) {
    const requestId = requestIdFor(req, actor, body.requestId);
    const state = await withHandoffLock(deps.pool, params.id, async () => {
      const bundle = await currentBundle(deps, params.id);
      const existing = new Set(bundle.documents.map((d) => d.id));
      const clash = body.documents.find((d) => existing.has(d.id));
      if (clash) throw conflict(`document ${clash.id} is already part of this handoff; give the new document a new id`);
      const owners = body.owners ? { ...bundle.owners, ...body.owners } : undefined;
      const merged = validBundle({
        ...bundle,
        documents: [...bundle.documents, ...redactDocuments(bundle, body.documents)],
        ...(owners ? { owners } : {}),
        ...(body.kickoffTarget ? { kickoffTarget: body.kickoffTarget } : {}),
        ...(body.systemOfRecord ? { systemOfRecord: body.systemOfRecord } : {}),
      });
      const bundleHash = await storeBundle(deps.pool, merged);
      return runUpdate(deps, params.id, addEvidenceUpdate, {
        requestId,
        actor,
        bundleHash,
        documentIds: body.documents.map((d) => d.id),
        ...(owners ? { owners } : {}),
      });
    });
    res.json(present(deps.config, state));
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
  errors: [404, 409],
  async handler({ deps, req, actor, params, body, res }) {
    const requestId = requestIdFor(req, actor, body.requestId);
    const state = await withHandoffLock(deps.pool, params.id, async () => {
      const bundle = await currentBundle(deps, params.id);
      const taken = bundle.documents.map((d) => /^review-comment-(\d+)$/.exec(d.id)?.[1]).filter(Boolean).map(Number);
      const comment: EvidenceDocument = {
        id: `review-comment-${Math.max(0, ...taken) + 1}`,
        kind: 'other',
        title: `Review comment by ${actor.id}`,
        capturedAt: new Date().toISOString(),
        text: body.comment,
      };
      const merged = validBundle({ ...bundle, documents: [...bundle.documents, ...redactDocuments(bundle, [comment])] });
      const bundleHash = await storeBundle(deps.pool, merged);
      return runUpdate(deps, params.id, requestChangesUpdate, { ...body, requestId, actor, bundleHash });
    });
    res.json(present(deps.config, state));
  },
});
