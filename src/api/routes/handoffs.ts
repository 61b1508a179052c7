import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Config } from '../../config';
import { storeBundle } from '../../db/bundles';
import { handoffIdFor, IntakeBundle } from '../../domain/intake';
import { redactBundle } from '../../domain/redact';
import { CancelBody, ReviewDecisionBody, SignoffBody, type HandoffState } from '../../domain/review';
import {
  cancelUpdate,
  decideReviewItemUpdate,
  HandoffInput,
  searchAttributes,
  signoffUpdate,
  stateQuery,
  WORKFLOW_TYPE,
} from '../../workflows/definitions';
import { actorOf, requireRole } from '../auth';
import { toHttpProblem } from '../temporal-errors';

export interface HandoffRoutesDeps {
  client: Client;
  pool: Pool;
  config: Config;
}

const HandoffId = z.string().regex(/^handoff-[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a handoff id like handoff-D-1042');
const ItemId = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/);

/** The request id that dedupes a retried call: body, then Idempotency-Key, then a fresh one. */
const requestIdOf = (req: Request, fromBody?: string) => fromBody ?? req.get('idempotency-key') ?? randomUUID();

export function handoffRoutes({ client, pool, config }: HandoffRoutesDeps): Router {
  const router = Router();
  const uiLink = (handoffId: string) =>
    `${config.TEMPORAL_UI_URL}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(handoffId)}`;
  const present = (state: HandoffState) => ({ ...state, links: { temporalUi: uiLink(state.handoffId) } });

  async function runUpdate<T>(handoffId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw toHttpProblem(err, handoffId);
    }
  }

  router.post('/handoffs', requireRole('sales', 'ops'), async (req, res) => {
    const parsed = IntakeBundle.parse(req.body);
    // Secrets are redacted before anything is stored; the gates still see the markers and flag them.
    const { bundle } = redactBundle(parsed);
    const bundleHash = await storeBundle(pool, bundle);
    const handoffId = handoffIdFor(bundle.dealId);
    const input: HandoffInput = {
      handoffId,
      dealId: bundle.dealId,
      customerName: bundle.customer.name,
      bundleHash,
      kickoffTarget: bundle.kickoffTarget,
      systemOfRecord: bundle.systemOfRecord,
      owners: bundle.owners,
      sla: { reminderAfterS: config.REVIEW_REMINDER_AFTER_S, escalateAfterS: config.REVIEW_ESCALATE_AFTER_S, repeatEveryS: config.REVIEW_REPEAT_EVERY_S },
    };
    try {
      await client.workflow.start(WORKFLOW_TYPE, {
        workflowId: handoffId,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [input],
        typedSearchAttributes: [
          { key: searchAttributes.stage, value: 'intake' },
          { key: searchAttributes.dealId, value: bundle.dealId },
          { key: searchAttributes.customerName, value: bundle.customer.name },
          ...(bundle.owners.implementation ? [{ key: searchAttributes.implementationOwner, value: bundle.owners.implementation.id }] : []),
          ...(bundle.kickoffTarget ? [{ key: searchAttributes.kickoffTarget, value: new Date(`${bundle.kickoffTarget}T00:00:00Z`) }] : []),
        ],
      });
      res.status(201).location(`/handoffs/${handoffId}`).json({ handoffId, created: true, links: { temporalUi: uiLink(handoffId) } });
    } catch (err) {
      // One live handoff per deal: a second start answers with the running one.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      res.status(200).location(`/handoffs/${handoffId}`).json({ handoffId, created: false, links: { temporalUi: uiLink(handoffId) } });
    }
  });

  router.get('/handoffs/:id', async (req, res) => {
    const handoffId = HandoffId.parse(req.params.id);
    const state = await runUpdate(handoffId, () => client.workflow.getHandle(handoffId).query(stateQuery));
    res.json(present(state));
  });

  router.post('/handoffs/:id/review-items/:itemId/decision', async (req, res) => {
    const handoffId = HandoffId.parse(req.params.id);
    const itemId = ItemId.parse(req.params.itemId);
    const body = ReviewDecisionBody.parse(req.body);
    const requestId = requestIdOf(req, body.requestId);
    const state = await runUpdate(handoffId, () =>
      client.workflow.getHandle(handoffId).executeUpdate(decideReviewItemUpdate, {
        args: [{ ...body, itemId, requestId, actor: actorOf(req) }],
        updateId: requestId,
      }),
    );
    res.json(present(state));
  });

  router.post('/handoffs/:id/signoff', async (req, res) => {
    const handoffId = HandoffId.parse(req.params.id);
    const body = SignoffBody.parse(req.body);
    const requestId = requestIdOf(req, body.requestId);
    const state = await runUpdate(handoffId, () =>
      client.workflow.getHandle(handoffId).executeUpdate(signoffUpdate, {
        args: [{ ...body, requestId, actor: actorOf(req) }],
        updateId: requestId,
      }),
    );
    res.json(present(state));
  });

  router.post('/handoffs/:id/cancel', async (req, res) => {
    const handoffId = HandoffId.parse(req.params.id);
    const body = CancelBody.parse(req.body);
    const requestId = requestIdOf(req, body.requestId);
    const state = await runUpdate(handoffId, () =>
      client.workflow.getHandle(handoffId).executeUpdate(cancelUpdate, {
        args: [{ ...body, requestId, actor: actorOf(req) }],
        updateId: requestId,
      }),
    );
    res.json(present(state));
  });

  return router;
}
