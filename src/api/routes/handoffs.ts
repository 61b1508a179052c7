import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { storeBundle } from '../../db/bundles';
import { loadPacket } from '../../db/packets';
import { handoffIdFor } from '../../domain/intake';
import { renderPacketMarkdown } from '../../domain/packet-render';
import { redactBundle } from '../../domain/redact';
import { HandoffInput, searchAttributes, WORKFLOW_TYPE } from '../../workflows/definitions';
import { requireViewer, viewers } from '../access';
import { badRequest, notFound } from '../problem';
import { defineRoute, hasRole } from '../route-table';
import { callWorkflow } from '../temporal-errors';
import {
  HandoffCreated,
  HandoffHistory,
  HandoffPage,
  HandoffParams,
  HandoffView,
  HistoryQuery,
  ListQuery,
  PacketQuery,
  schemas,
} from '../schemas';
import { present, uiLink } from '../present';

// Starting, listing and reading handoffs. Reads of one handoff come from the workflow (state query)
// and Postgres (packets); the list comes from the projection table the workflow keeps current.

export const createHandoff = defineRoute({
  method: 'post',
  path: '/handoffs',
  operationId: 'createHandoff',
  summary: 'Start the handoff of a closed deal (one live handoff per deal)',
  description: 'Secrets are redacted before anything is stored. Starting a deal that already has a handoff answers 200 with it.',
  tag: 'handoffs',
  auth: ['sales', 'ops'],
  who: 'sales, ops, admin',
  body: schemas.IntakeBundle,
  responses: {
    201: { description: 'Started', schema: HandoffCreated },
    200: { description: 'The deal already has a handoff', schema: HandoffCreated },
  },
  async handler({ deps, body: parsed, res, req }) {
    const { client, pool, config } = deps;
    const { bundle } = redactBundle(parsed);
    const bundleHash = await storeBundle(pool, bundle);
    const handoffId = handoffIdFor(bundle.dealId);
    req.handoffId = handoffId;
    const input: HandoffInput = {
      handoffId,
      dealId: bundle.dealId,
      customerName: bundle.customer.name,
      bundleHash,
      kickoffTarget: bundle.kickoffTarget,
      systemOfRecord: bundle.systemOfRecord,
      sla: {
        reminderAfterS: config.REVIEW_REMINDER_AFTER_S,
        escalateAfterS: config.REVIEW_ESCALATE_AFTER_S,
        repeatEveryS: config.REVIEW_REPEAT_EVERY_S,
      },
      owners: bundle.owners,
    };
    const links = { temporalUi: uiLink(config, handoffId) };
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
      res.status(201).location(`/handoffs/${handoffId}`).json({ handoffId, created: true, links });
    } catch (err) {
      // One live handoff per deal: a second start answers with the running one.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      res.status(200).location(`/handoffs/${handoffId}`).json({ handoffId, created: false, links });
    }
  },
});

interface ProjectionRow {
  handoff_id: string;
  deal_id: string;
  customer_name: string;
  stage: string;
  handoff_owner: string | null;
  sales_owner: string | null;
  implementation_owner: string | null;
  kickoff_target: string | null;
  packet_version: number | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

// The cursor is the last row's (created_at with microseconds, handoff_id): stable while rows change stage.
const encodeCursor = (row: ProjectionRow) => Buffer.from(JSON.stringify([row.cursor_at, row.handoff_id])).toString('base64url');
const CursorValue = z.tuple([z.iso.datetime({ precision: 6 }), z.string().max(200)]);
function decodeCursor(cursor: string): [string, string] {
  try {
    return CursorValue.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw badRequest('the cursor is not one this API gave out', { errors: [{ path: 'query.cursor', message: 'invalid cursor' }] });
  }
}
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export const listHandoffs = defineRoute({
  method: 'get',
  path: '/handoffs',
  operationId: 'listHandoffs',
  summary: 'List handoffs by stage, owner or customer (paged)',
  description: 'Ops and admins see every handoff; anyone else sees the handoffs they own (handoff, sales or implementation owner).',
  tag: 'handoffs',
  auth: 'any',
  who: 'any principal (ops, admin: all handoffs; others: their own)',
  query: ListQuery,
  responses: { 200: { description: 'A page of the projection, newest first', schema: HandoffPage } },
  async handler({ deps, actor, query, res }) {
    if (query.cursor !== undefined && query.offset !== undefined) throw badRequest('use cursor or offset, not both');
    const limit = query.limit ?? 20;
    const args: unknown[] = [];
    const arg = (value: unknown) => `$${args.push(value)}`;
    const where: string[] = [];
    if (!hasRole(actor, ['ops'])) {
      const me = arg(actor.id);
      where.push(`(handoff_owner = ${me} OR sales_owner = ${me} OR implementation_owner = ${me})`);
    }
    if (query.stage) where.push(`stage = ${arg(query.stage)}`);
    if (query.owner) {
      const owner = arg(query.owner);
      where.push(`(handoff_owner = ${owner} OR sales_owner = ${owner} OR implementation_owner = ${owner})`);
    }
    if (query.customer) where.push(`lower(customer_name) LIKE '%' || ${arg(escapeLike(query.customer.toLowerCase()))} || '%' ESCAPE '\\'`);
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor);
      where.push(`(created_at, handoff_id) < (${arg(at)}::timestamptz, ${arg(id)})`);
    }
    const { rows } = await deps.pool.query<ProjectionRow>(
      `SELECT handoff_id, deal_id, customer_name, stage, handoff_owner, sales_owner, implementation_owner,
              to_char(kickoff_target, 'YYYY-MM-DD') AS kickoff_target, packet_version, created_at, updated_at,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
         FROM handoffs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, handoff_id DESC LIMIT ${arg(limit + 1)} OFFSET ${arg(query.offset ?? 0)}`,
      args,
    );
    const page = rows.slice(0, limit);
    res.json({
      items: page.map((r) => ({
        handoffId: r.handoff_id,
        dealId: r.deal_id,
        customerName: r.customer_name,
        stage: r.stage,
        owners: { handoffOwner: r.handoff_owner, sales: r.sales_owner, implementation: r.implementation_owner },
        kickoffTarget: r.kickoff_target,
        packetVersion: r.packet_version,
        createdAt: r.created_at.toISOString(),
        updatedAt: r.updated_at.toISOString(),
      })),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null,
      limit,
    });
  },
});

export const getHandoff = defineRoute({
  method: 'get',
  path: '/handoffs/:id',
  operationId: 'getHandoff',
  summary: 'The handoff\'s state: stage, packet version, pending items with due times, signoffs, counts',
  tag: 'handoffs',
  auth: 'any',
  who: `${viewers.describe} (others: 404)`,
  params: HandoffParams,
  authorize: requireViewer(),
  responses: { 200: { description: 'The state query', schema: HandoffView } },
  errors: [404],
  handler({ deps, loaded, res }) {
    res.json(present(deps.config, loaded.state));
  },
});

export const getPacket = defineRoute({
  method: 'get',
  path: '/handoffs/:id/packet',
  operationId: 'getPacket',
  summary: 'The drafted packet (latest or ?version=), as JSON or Markdown (?format=md)',
  tag: 'handoffs',
  auth: 'any',
  who: `${viewers.describe} (others: 404)`,
  params: HandoffParams,
  query: PacketQuery,
  authorize: requireViewer(),
  responses: {
    200: { description: 'The packet', schema: schemas.Packet, alternatives: { 'text/markdown': z.string() } },
  },
  errors: [404],
  async handler({ deps, params, query, res }) {
    const packet = await loadPacket(deps.pool, params.id, query.version);
    if (!packet) throw notFound(query.version ? `handoff ${params.id} has no packet version ${query.version}` : `handoff ${params.id} has no packet yet`);
    if (query.format === 'md') {
      res.type('text/markdown; charset=utf-8').send(renderPacketMarkdown(packet));
      return;
    }
    res.json(packet);
  },
});

const eventTypeName = (type: number | null | undefined): string => {
  const name = temporal.api.enums.v1.EventType[type ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED';
  return name.replace(/^EVENT_TYPE_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
};
const timeOf = (ts: temporal.api.history.v1.IHistoryEvent['eventTime']): string | null =>
  ts?.seconds == null ? null : new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();

/** A few words on what an event was about: the activity, update, signal or timer name. */
function detailOf(event: temporal.api.history.v1.IHistoryEvent): string | undefined {
  return (
    event.activityTaskScheduledEventAttributes?.activityType?.name ??
    event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
    event.workflowExecutionSignaledEventAttributes?.signalName ??
    event.timerStartedEventAttributes?.timerId ??
    event.workflowExecutionStartedEventAttributes?.workflowType?.name ??
    undefined
  );
}

export const getHistory = defineRoute({
  method: 'get',
  path: '/handoffs/:id/history',
  operationId: 'getHistory',
  summary: 'A compact summary of the workflow history (size, events, Temporal UI link)',
  description: 'Workflow-task bookkeeping events are counted, not listed.',
  tag: 'handoffs',
  auth: 'any',
  who: `${viewers.describe} (others: 404)`,
  params: HandoffParams,
  query: HistoryQuery,
  authorize: requireViewer(),
  responses: { 200: { description: 'The history summary', schema: HandoffHistory } },
  errors: [404],
  async handler({ deps, params, query, res }) {
    const history = await callWorkflow(deps.client, params.id, 'history', (handle) => handle.fetchHistory());
    const events = history.events ?? [];
    const bytes = temporal.api.history.v1.History.encode(history).finish().length;
    const listed = events
      .map((e) => ({ eventId: String(e.eventId), type: eventTypeName(e.eventType), time: timeOf(e.eventTime), detail: detailOf(e) }))
      .filter((e) => !e.type.startsWith('WorkflowTask'));
    const limit = query.limit ?? 200;
    res.json({
      handoffId: params.id,
      events: events.length,
      bytes,
      workflowTasks: events.length - listed.length,
      list: listed.slice(-limit).map(({ detail, ...e }) => (detail ? { ...e, detail } : e)),
      truncated: listed.length > limit,
      links: { temporalUi: uiLink(deps.config, params.id) },
    });
  },
});
