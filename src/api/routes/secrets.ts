import { z } from 'zod';
import { unrotatedSecretSites, withRotationConfirmed } from '../../domain/secret-rotation';
import { addEvidenceUpdate } from '../../workflows/definitions';
import { anyOf, capacities, queryState, requireCapacity } from '../access';
import { present } from '../present';
import { conflict } from '../problem';
import { defineRoute } from '../route-table';
import { HandoffParams, HandoffView } from '../schemas';
import { claimRequestId } from '../request-ids';
import { runUpdate } from './actions';
import { changeBundle } from './evidence';

// A redacted credential holds the out_of_policy gate until someone accountable confirms it was
// rotated. The confirmation goes into a new bundle (who, when, which places it covers), as evidence
// does, and the workflow hears of it through addEvidence, so waiting gates run again.

export const SecretsRotatedBody = z
  .strictObject({
    requestId: z.string().trim().min(1).max(200).optional().describe('Makes a retried request a no-op; defaults to the Idempotency-Key header or a new id'),
  })
  .default({})
  .meta({ id: 'SecretsRotatedBody', description: 'Nothing is required: `{}` (or no body) confirms every credential redacted so far' });

const rotationConfirmers = anyOf(capacities.handoffOwner, capacities.ops, capacities.admin);
export const confirmSecretsRotated = defineRoute({
  method: 'post',
  path: '/handoffs/:id/secrets/rotated',
  operationId: 'confirmSecretsRotated',
  summary: 'Confirm that every credential redacted from this handoff was rotated; the gates run again',
  description:
    'Covers the places (documents, fields) that held a redacted secret up to now; a secret pasted later holds the out_of_policy gate again. ' +
    'Recorded in a new bundle (`secretRotations`: who and when). 409 when no redacted credential waits for a confirmation.',
  tag: 'evidence',
  auth: 'any',
  who: rotationConfirmers.describe,
  params: HandoffParams,
  body: SecretsRotatedBody,
  authorize: requireCapacity(rotationConfirmers),
  responses: { 200: { description: 'The handoff\'s new state', schema: HandoffView } },
  errors: [404, 409, 503],
  async handler({ deps, req, actor, params, body, res }) {
    const { requestId } = await claimRequestId(deps, req, actor, body);
    const at = new Date().toISOString();
    let alreadyDone = false;
    const state = await changeBundle(
      deps,
      params.id,
      (bundle) => {
        if (unrotatedSecretSites(bundle).length) return withRotationConfirmed(bundle, actor.id, at, requestId);
        // A retry of a confirmation that went through answers like the first; anything else has nothing to confirm.
        if (bundle.secretRotations?.some((r) => r.requestId === requestId)) {
          alreadyDone = true;
          return bundle;
        }
        throw conflict('no redacted credential of this handoff waits for a rotation confirmation');
      },
      async (bundleHash, _base, client) =>
        alreadyDone ? queryState(deps.client, params.id) : runUpdate(deps, params.id, addEvidenceUpdate, { requestId, actor, bundleHash, documentIds: [] }, client),
    );
    res.json(present(deps.config, state));
  },
});
