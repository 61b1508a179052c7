import type { Pool, PoolClient } from 'pg';
import type { UpdateDefinition } from '@temporalio/common';
import type { HandoffAck, HandoffState } from '../../domain/review';
import {
  answerQuestionUpdate,
  cancelUpdate,
  decideReviewItemUpdate,
  milestoneStatusUpdate,
  returnForContextUpdate,
  signoffUpdate,
  stateQuery,
} from '../../workflows/definitions';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyUpdateChanges, readHandoffAtLeast, type ReadModelRow } from '../../db/read-model';
import { anyOf, capacities, requireCapacity, viewers } from '../access';
import { present } from '../present';
import { claimRequestId } from '../request-ids';
import { defineRoute, type ApiDeps } from '../route-table';
import { HandoffParams, HandoffView, QuestionParams, ReviewItemParams, schemas } from '../schemas';
import { callWorkflow } from '../temporal-errors';

// People acting on a handoff: each route is one workflow update. The update's validator has the
// last word (routed reviewer, named owner, current packet version), answered as 403/404/409.

// Each action's request id (Temporal update id and audit request id) comes from claimRequestId
// (src/api/request-ids.ts): the body's requestId, else the Idempotency-Key header, else a fresh
// one, scoped by principal, and refused (409) when first used for another request.

/**
 * Sends one update and answers with the handoff's state, without a workflow query. An update under
 * the progress-as-changes patch answers its own changes, which are applied to the read model here
 * (read-your-writes at once); an older one answers the revision the workflow writes for it, read
 * once the read model holds it. A read model that does not catch up within a few seconds (an
 * earlier change still on its way), or an ack without a revision, falls back to the state query.
 */
export async function runUpdate<Arg>(
  deps: ApiDeps,
  handoffId: string,
  update: UpdateDefinition<unknown, [Arg]>,
  arg: Arg & { requestId: string },
  /** A caller that already holds a connection (evidence, under its lock) reads the read model on it. */
  reader: Pool | PoolClient = deps.pool,
  /** The row authorization read, if it came from the read model. */
  known?: ReadModelRow,
): Promise<HandoffState> {
  const ack = (await callWorkflow(deps.client, handoffId, 'update', (handle) => handle.executeUpdate(update, { args: [arg], updateId: arg.requestId }))) as Partial<HandoffAck> | undefined;
  if (typeof ack?.revision === 'number' && typeof ack.base === 'number' && Array.isArray(ack.changes)) {
    const principalId = (arg as { actor?: { id: string } }).actor?.id ?? '';
    const decisions = (ack.audit ?? []).map((row) => ({ ...row, requestId: arg.requestId, principalId, packetVersion: ack.packetVersion }));
    const changes = { revision: ack.revision, base: ack.base, changes: ack.changes, decisions };
    const deadline = Date.now() + BEHIND_WRITE_MS;
    // The row authorization read serves the first try only; later tries wait for a newer one.
    for (let wait = 2, onRow = known; ; wait = Math.min(wait * 2, 50), onRow = undefined) {
      const row = await applyUpdateChanges(reader, handoffId, changes, onRow);
      if (row) return row.state;
      if (Date.now() + wait > deadline) break;
      await sleep(wait);
    }
  } else if (typeof ack?.revision === 'number') {
    const row = await readHandoffAtLeast(reader, handoffId, ack.revision, READ_YOUR_WRITE_MS);
    if (row) return row.state;
  }
  return callWorkflow(deps.client, handoffId, 'query', (handle) => handle.query(stateQuery));
}

/** How long an action waits for the read model to show it before asking the workflow. */
const READ_YOUR_WRITE_MS = 3_000;
/**
 * How long an action whose changes start from a revision the read model lacks waits for it: past the
 * workflow's write-behind (5 s), so an update no API applied (a crashed API, a Temporal client) is
 * written by the workflow first and this answer still comes from, and lands in, the read model.
 */
const BEHIND_WRITE_MS = 8_000;

const stateAnswer = { 200: { description: 'The handoff\'s new state', schema: HandoffView } };

export const decideReviewItem = defineRoute({
  method: 'post',
  path: '/handoffs/:id/review-items/:itemId/decision',
  operationId: 'decideReviewItem',
  summary: 'Approve or reject a review item routed to you',
  tag: 'review',
  auth: 'any',
  who: 'the reviewer the item is routed to (checked by the workflow); others 403',
  params: ReviewItemParams,
  body: schemas.ReviewDecisionBody,
  authorize: requireCapacity(viewers),
  responses: stateAnswer,
  errors: [404, 409],
  async handler({ deps, req, actor, params, body, loaded, res }) {
    const { requestId } = await claimRequestId(deps, req, actor, body);
    const state = await runUpdate(deps, params.id, decideReviewItemUpdate, { ...body, itemId: params.itemId, requestId, actor }, deps.pool, loaded.row);
    res.json(present(deps.config, state));
  },
});

export const answerQuestion = defineRoute({
  method: 'post',
  path: '/handoffs/:id/questions/:qid/answer',
  operationId: 'answerQuestion',
  summary: 'Answer an open question',
  tag: 'review',
  auth: 'any',
  who: 'the person the question is asked of (checked by the workflow)',
  params: QuestionParams,
  body: schemas.AnswerQuestionBody,
  authorize: requireCapacity(viewers),
  responses: stateAnswer,
  errors: [404, 409],
  async handler({ deps, req, actor, params, body, loaded, res }) {
    const { requestId } = await claimRequestId(deps, req, actor, body);
    const state = await runUpdate(deps, params.id, answerQuestionUpdate, { ...body, questionId: params.qid, requestId, actor }, deps.pool, loaded.row);
    res.json(present(deps.config, state));
  },
});

export const signoff = defineRoute({
  method: 'post',
  path: '/handoffs/:id/signoff',
  operationId: 'signoff',
  summary: 'Sign off the current packet version (sales or implementation)',
  description: 'Binds to the packet version and hash: a signoff on an older version is refused with 409.',
  tag: 'review',
  auth: 'any',
  who: 'the named sales owner (role sales) or implementation owner (role implementation), checked by the workflow',
  params: HandoffParams,
  body: schemas.SignoffBody,
  authorize: requireCapacity(viewers),
  responses: stateAnswer,
  errors: [404, 409],
  async handler({ deps, req, actor, params, body, loaded, res }) {
    const { requestId } = await claimRequestId(deps, req, actor, body);
    const state = await runUpdate(deps, params.id, signoffUpdate, { ...body, requestId, actor }, deps.pool, loaded.row);
    res.json(present(deps.config, state));
  },
});

const returners = anyOf(capacities.implementationOwner, capacities.admin);
export const returnForContext = defineRoute({
  method: 'post',
  path: '/handoffs/:id/return',
  operationId: 'returnForContext',
  summary: 'Send the handoff back for missing context (counts as a missing-context return)',
  tag: 'review',
  auth: 'any',
  who: returners.describe,
  params: HandoffParams,
  body: schemas.ReturnForContextBody,
  authorize: requireCapacity(returners),
  responses: stateAnswer,
  errors: [404, 409],
  async handler({ deps, req, actor, params, body, loaded, res }) {
    const { requestId } = await claimRequestId(deps, req, actor, body);
    const state = await runUpdate(deps, params.id, returnForContextUpdate, { ...body, requestId, actor }, deps.pool, loaded.row);
    res.json(present(deps.config, state));
  },
});

const cancellers = anyOf(capacities.handoffOwner, capacities.ops, capacities.admin);
export const cancelHandoff = defineRoute({
  method: 'post',
  path: '/handoffs/:id/cancel',
  operationId: 'cancelHandoff',
  summary: 'Cancel the handoff',
  tag: 'handoffs',
  auth: 'any',
  who: cancellers.describe,
  params: HandoffParams,
  body: schemas.CancelBody,
  authorize: requireCapacity(cancellers),
  responses: stateAnswer,
  errors: [404, 409],
  async handler({ deps, req, actor, params, body, loaded, res }) {
    const { requestId } = await claimRequestId(deps, req, actor, body);
    const state = await runUpdate(deps, params.id, cancelUpdate, { ...body, requestId, actor }, deps.pool, loaded.row);
    res.json(present(deps.config, state));
  },
});

const milestoneReporters = anyOf(capacities.implementationOwner, capacities.handoffOwner, capacities.ops, capacities.admin);
export const milestoneStatus = defineRoute({
  method: 'post',
  path: '/handoffs/:id/milestone',
  operationId: 'milestoneStatus',
  summary: 'Report the first milestone\'s status and the first-30-day criteria met so far',
  tag: 'handoffs',
  auth: 'any',
  who: milestoneReporters.describe,
  params: HandoffParams,
  body: schemas.MilestoneStatusBody,
  authorize: requireCapacity(milestoneReporters),
  responses: stateAnswer,
  errors: [404, 409],
  async handler({ deps, req, actor, params, body, loaded, res }) {
    const { requestId } = await claimRequestId(deps, req, actor, body);
    const state = await runUpdate(deps, params.id, milestoneStatusUpdate, { ...body, requestId, actor }, deps.pool, loaded.row);
    res.json(present(deps.config, state));
  },
});
