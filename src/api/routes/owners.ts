import { HandoffRuleViolation, checkChangeOwners } from '../../domain/rules';
import { addEvidenceUpdate, changeOwnersUpdate } from '../../workflows/definitions';
import { anyOf, capacities, requireCapacity } from '../access';
import { present } from '../present';
import { HttpProblem } from '../problem';
import { defineRoute } from '../route-table';
import { HandoffParams, HandoffView, schemas } from '../schemas';
import { claimRequestId } from '../request-ids';
import { runUpdate } from './actions';
import { changeBundle } from './evidence';

// Who owns a handoff changes only here: an explicit action of the handoff owner, ops or an admin,
// with a reason, audited by the workflow (review_decisions, kind owner_change). Evidence once
// carried owners, and let a sales owner name himself implementation owner and sign both roles.

const statusOf = { not_found: 404, forbidden: 403, conflict: 409 } as const;

const ownerChangers = anyOf(capacities.handoffOwner, capacities.ops, capacities.admin);
export const changeOwners = defineRoute({
  method: 'post',
  path: '/handoffs/:id/owners',
  operationId: 'changeOwners',
  summary: 'Change the handoff, sales, implementation owner or escalation contact (audited, with a reason)',
  description:
    'Names only the owners that change (null clears one). One person is never both sales and implementation owner (409). ' +
    'A signoff given by someone who no longer holds that role is void. The owners go into a new bundle, so the gates and access checks see them.',
  tag: 'handoffs',
  auth: 'any',
  who: ownerChangers.describe,
  params: HandoffParams,
  body: schemas.ChangeOwnersBody,
  authorize: requireCapacity(ownerChangers),
  responses: { 200: { description: 'The handoff\'s new state', schema: HandoffView } },
  errors: [404, 409, 503],
  async handler({ deps, req, actor, params, body, loaded, res }) {
    const { requestId } = await claimRequestId(deps, req, actor, body);
    const change = { ...body, requestId, actor };
    const state = await changeBundle(
      deps,
      params.id,
      (bundle) => {
        // The workflow's validator has the last word; checking first keeps a refused change from storing a bundle.
        try {
          checkChangeOwners(loaded.state, change, bundle.owners);
        } catch (err) {
          if (err instanceof HandoffRuleViolation) throw new HttpProblem(statusOf[err.kind], err.kind === 'conflict' ? 'Conflict' : 'Forbidden', err.message);
          throw err;
        }
        return { ...bundle, owners: { ...bundle.owners, ...body.owners } };
      },
      async (bundleHash, _base, client) => {
        // The bundle first (gates and access read owners from it; waiting gates run again), then the
        // audited change in the workflow. A retry repeats neither: both update ids derive from the request id.
        await runUpdate(deps, params.id, addEvidenceUpdate, { requestId: `${requestId}:owners-bundle`, actor, bundleHash, documentIds: [] }, client);
        return runUpdate(deps, params.id, changeOwnersUpdate, change, client);
      },
    );
    res.json(present(deps.config, state));
  },
});
