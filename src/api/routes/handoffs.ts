import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { PoolClient } from 'pg';
import { z } from 'zod';
import { storeBundle } from '../../db/bundles';
import { listHandoffs as listHandoffRows, type ListRow } from '../../db/handoff-list';
import { latestRun, recordRun, runOwnerIds, type RunRow } from '../../db/handoff-runs';
import { loadPacket } from '../../db/packets';
import { revisionWatch } from '../../db/handoff-watch';
import { readHandoff, seedHandoff } from '../../db/read-model';
import { initialHandoffState, ownerIds } from '../../domain/initial-state';
import type { Config } from '../../config';
import { pagedTextsOf } from '../../db/files';
import { withCitationPages } from '../../domain/citation-pages';
import { connect, inLockedTransaction, LockTimedOut, release } from '../../db/transactions';
import { handoffIdForRun, type IntakeBundle } from '../../domain/intake';
import type { Actor } from '../../domain/review';
import { renderPacketMarkdown } from '../../domain/packet-render';
import { redactBundle } from '../../domain/redact';
import { HandoffInput, searchAttributes, WORKFLOW_TYPE } from '../../workflows/definitions';
import { queryState, requireViewer, viewers } from '../access';
import { badRequest, conflict, forbidden, HttpProblem, notFound, unavailable } from '../problem';
import { defineRoute, hasRole, type ApiDeps } from '../route-table';
import { callWorkflow, toHttpProblem } from '../temporal-errors';
import {
  CreateHandoffBody,
  HandoffCreated,
  HandoffHistory,
  HandoffPage,
  HandoffParams,
  HandoffView,
  HistoryQuery,
  decodeListCursor,
  ListQuery,
  PacketQuery,
  schemas,
} from '../schemas';
import { present, uiLink } from '../present';
import { describeUploads, storeUploads, UploadedFile } from '../uploads';

// Starting, listing and reading handoffs. Reads of one handoff and the list come from the read model
// the workflow keeps current (src/db/read-model.ts) and Postgres (packets); no workflow query.

/** A start's answer, or the problem to answer once the decision is committed. */
type StartOutcome = { handoffId: string; created: boolean; restartOf?: string } | { problem: HttpProblem };

/** The run's workflow status: RUNNING, a closed status, or GONE once Temporal no longer keeps it. */
async function runStatus(deps: StartDeps, handoffId: string): Promise<string> {
  try {
    return (await callWorkflow(deps.client, handoffId, 'query', (handle) => handle.describe())).status.name;
  } catch (err) {
    if (err instanceof HttpProblem && err.status === 404) return 'GONE';
    throw err;
  }
}

/** Ops, an admin, or the finished run's handoff or sales owner (as its projection last showed them, else its first bundle). */
async function mayRestart(db: PoolClient, actor: Actor, previous: RunRow): Promise<boolean> {
  if (hasRole(actor, ['ops'])) return true;
  return (await runOwnerIds(db, previous)).includes(actor.id);
}

/** What a handoff's workflow starts with. */
function handoffInput(config: Config, handoffId: string, bundle: IntakeBundle, bundleHash: string): HandoffInput {
  return {
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
}

/** Starts a handoff's workflow on a stored (redacted) bundle; the bench's client-driven run starts it so too. */
export function startWorkflow(deps: Pick<StartDeps, 'client' | 'config'>, handoffId: string, bundle: IntakeBundle, bundleHash: string) {
  const { config } = deps;
  const input = handoffInput(config, handoffId, bundle, bundleHash);
  return deps.client.workflow.start(WORKFLOW_TYPE, {
    workflowId: handoffId,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // A handoff id names one run for good: Temporal refuses to start it twice, even after it closed.
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [input],
    typedSearchAttributes: [
      { key: searchAttributes.stage, value: 'intake' },
      { key: searchAttributes.dealId, value: bundle.dealId },
      { key: searchAttributes.customerName, value: bundle.customer.name },
      ...(bundle.owners.implementation ? [{ key: searchAttributes.implementationOwner, value: bundle.owners.implementation.id }] : []),
      ...(bundle.kickoffTarget ? [{ key: searchAttributes.kickoffTarget, value: new Date(`${bundle.kickoffTarget}T00:00:00Z`) }] : []),
    ],
  });
}

/**
 * Decides, holding the deal's lock, what a start means: a new deal starts run 1; a running handoff
 * answers itself (200); a finished one needs an authorized restart, which starts the next run
 * under a new id. The run is recorded before its workflow starts, in the same transaction.
 */
async function decideStart(deps: StartDeps, db: PoolClient, actor: Actor, bundle: IntakeBundle, bundleHash: string, restart: boolean): Promise<StartOutcome> {
  const { dealId } = bundle;
  for (let round = 0; round < 3; round++) {
    const latest = await latestRun(db, dealId);
    let run = 1;
    let restartOf: string | undefined;
    if (latest) {
      const status = await runStatus(deps, latest.handoff_id);
      const existing = { handoffId: latest.handoff_id };
      if (status === 'RUNNING') {
        if (restart) return { problem: new HttpProblem(409, 'Conflict', `deal ${dealId} has a running handoff ${latest.handoff_id}; cancel it before starting the deal again`, existing) };
        return { handoffId: latest.handoff_id, created: false };
      }
      const how = status === 'GONE' ? 'finished' : status.toLowerCase();
      if (!restart) {
        const detail = `deal ${dealId} already had handoff ${latest.handoff_id} (${how}); to start it again send "restart": true (ops, an admin, or that handoff's handoff or sales owner)`;
        return { problem: new HttpProblem(409, 'Conflict', detail, existing) };
      }
      if (!(await mayRestart(db, actor, latest))) {
        return { problem: forbidden(`only ops, an admin, or the handoff or sales owner of ${latest.handoff_id} start deal ${dealId} again`) };
      }
      run = latest.run + 1;
      restartOf = latest.handoff_id;
    }
    const handoffId = handoffIdForRun(dealId, run);
    await recordRun(db, { handoffId, dealId, run, bundleHash, startedBy: actor.id, restartOf });
    // Readable (and authorized) from the read model at once, before the workflow's first write.
    const input = handoffInput(deps.config, handoffId, bundle, bundleHash);
    await seedHandoff(db, handoffId, { state: initialHandoffState(input), owners: ownerIds(input.owners), kickoffTarget: input.kickoffTarget });
    try {
      await startWorkflow(deps, handoffId, bundle, bundleHash);
      return { handoffId, created: true, restartOf };
    } catch (err) {
      // A workflow with this id that no run recorded (started before runs were recorded): the row
      // now names it, and the next round decides on it as the deal's latest run.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw toHttpProblem(err, handoffId);
    }
  }
  throw conflict(`deal ${dealId} changed while this start was decided; retry`);
}

export const createHandoff = defineRoute({
  method: 'post',
  path: '/handoffs',
  operationId: 'createHandoff',
  summary: 'Start the handoff of a closed deal (one live handoff per deal; a finished deal starts again only with restart)',
  description:
    'Secrets are redacted before anything is stored. A deal whose handoff is running answers 200 with it. A deal whose handoff ' +
    'finished is 409 (naming that handoff) unless the body says "restart": true; a restart (ops, admin, or the finished ' +
    'handoff\'s handoff or sales owner; others 403) starts a new handoff handoff-<dealId>~<run>. Earlier runs keep their own ' +
    'id, packets and parties.',
  tag: 'handoffs',
  auth: ['sales', 'ops'],
  who: 'sales, ops, admin; a restart: ops, admin, or the finished handoff\'s handoff or sales owner',
  body: CreateHandoffBody,
  upload: { field: 'bundle', description: 'The intake bundle as JSON; its documents (may be empty) are joined by one per file' },
  responses: {
    201: { description: 'Started; `files` (multipart) shows each file\'s document id and kind, given or inferred, to confirm', schema: HandoffCreated.extend({ files: z.array(UploadedFile).optional() }) },
    200: { description: 'The deal\'s handoff is running already (files sent with it are not stored)', schema: HandoffCreated },
  },
  errors: [409, 503],
  async handler({ deps, actor, body, res, req }) {
    const { restart, ...intake } = body;
    const uploads = req.uploads;
    // Files are stored in the start's own transaction, only when it starts a handoff.
    const onCreated = uploads?.length ? (db: PoolClient, id: string) => storeUploads(db, id, uploads, actor) : undefined;
    const { handoffId, created, restartOf } = await startHandoff(deps, actor, intake, restart === true, onCreated);
    req.handoffId = handoffId;
    res
      .status(created ? 201 : 200)
      .location(`/handoffs/${handoffId}`)
      .json({
        handoffId,
        created,
        ...(restartOf ? { restartOf } : {}),
        links: { temporalUi: uiLink(deps.config, handoffId) },
        ...(created && uploads?.length ? { files: describeUploads(uploads) } : {}),
      });
  },
});

/** What starting a handoff needs: the API routes and the intake activities (webhooks, HubSpot) share it. */
export type StartDeps = Pick<ApiDeps, 'client' | 'pool' | 'config'>;

/**
 * Starts a deal's handoff (or answers its running one), idempotent by deal id: the one start path of
 * POST /handoffs, the signed webhooks and the HubSpot intake. Redacts and stores the bundle first;
 * throws HttpProblem (409 finished, 403 restart refused, 503 busy) for the caller to answer or map.
 */
export async function startHandoff(
  deps: StartDeps,
  actor: Actor,
  intake: IntakeBundle,
  restart = false,
  /** Runs in the start's transaction once a new handoff started (uploaded files are stored here). */
  onCreated?: (db: PoolClient, handoffId: string) => Promise<void>,
): Promise<{ handoffId: string; created: boolean; restartOf?: string }> {
  const { bundle } = redactBundle(intake);
  const bundleHash = await storeBundle(deps.pool, bundle);
  let db: PoolClient;
  try {
    db = await connect(deps.pool);
  } catch (err) {
    throw unavailable(`the database did not give a connection in time (${(err as Error).message}); retry`);
  }
  let outcome: StartOutcome;
  try {
    // One decision per deal at a time, across API instances, held until the run is recorded and started.
    outcome = await inLockedTransaction(db, `deal:${bundle.dealId}`, async () => {
      const decided = await decideStart(deps, db, actor, bundle, bundleHash, restart);
      if (onCreated && 'created' in decided && decided.created) await onCreated(db, decided.handoffId);
      return decided;
    });
  } catch (err) {
    if (err instanceof LockTimedOut) throw unavailable(`deal ${bundle.dealId} is being started elsewhere; retry`);
    throw err;
  } finally {
    release(db);
  }
  if ('problem' in outcome) throw outcome.problem;
  return outcome;
}

// The cursor is the last row's (created_at with microseconds, handoff_id): stable while rows change stage.
const encodeCursor = (row: ListRow) => Buffer.from(JSON.stringify([row.cursor_at, row.handoff_id])).toString('base64url');
/** ListQuery checked the cursor already (schemas.ts: year range, handoff id, no NUL); this unpacks it. */
function decodeCursor(cursor: string): [string, string] {
  const value = decodeListCursor(cursor);
  if (!value) throw badRequest('the cursor is not one this API gave out', { errors: [{ path: 'query.cursor', message: 'invalid cursor' }] });
  return value;
}

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
    const rows = await listHandoffRows(deps.pool, {
      visibleTo: hasRole(actor, ['ops']) ? undefined : actor.id,
      stage: query.stage,
      owner: query.owner,
      customer: query.customer,
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
      offset: query.offset,
      limit,
    });
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

/**
 * `?fresh=true` (ops, admin): the workflow's own answer, for checking the read model against it.
 * `?after=N&wait=S`: a long poll, for clients (the bench, scripts) waiting for the next step.
 */
const MAX_WAIT_S = 30;
const GetHandoffQuery = z.strictObject({
  fresh: z.enum(['true', 'false']).optional().describe('ops, admin: answer from the workflow (state query), not the read model'),
  after: z
    .string()
    .regex(/^-?\d{1,12}$/, 'a revision (a whole number)')
    .transform(Number)
    .pipe(z.number().int().min(-1))
    .optional()
    .describe('with wait: answer once the handoff is past this revision (the `revision` of an earlier answer)'),
  wait: z
    .string()
    .regex(/^\d{1,2}$/, 'seconds, 1..30')
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_WAIT_S))
    .optional()
    .describe(`with after: wait up to this many seconds (1..${MAX_WAIT_S}) for a change, instead of polling; the answer is the state then, changed or not`),
});

export const getHandoff = defineRoute({
  method: 'get',
  path: '/handoffs/:id',
  operationId: 'getHandoff',
  summary: 'The handoff\'s state: stage, packet version, pending items with due times, signoffs, counts',
  description: 'Answered from the read model the workflow keeps current; ops and admins may ask the workflow itself with ?fresh=true.',
  tag: 'handoffs',
  auth: 'any',
  who: `${viewers.describe} (others: 404)`,
  params: HandoffParams,
  query: GetHandoffQuery,
  authorize: requireViewer(),
  responses: { 200: { description: 'The handoff\'s state', schema: HandoffView } },
  errors: [404],
  async handler({ deps, actor, params, query, loaded, res }) {
    if (query.fresh !== 'true') {
      let { state, owners } = loaded;
      if (query.after !== undefined && query.wait !== undefined && (loaded.revision ?? Infinity) <= query.after) {
        await revisionWatch(deps.pool).wait(params.id, query.after, query.wait * 1000);
        ({ state, owners } = (await readHandoff(deps.pool, params.id)) ?? loaded);
      }
      // Owners from the read model too: the web app shows each person only the actions they may take.
      res.json({ ...present(deps.config, state), owners });
      return;
    }
    if (!hasRole(actor, ['ops'])) throw forbidden('only ops and admins read a handoff fresh from its workflow');
    res.json(present(deps.config, await queryState(deps.client, params.id)));
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
    const stored = await loadPacket(deps.pool, params.id, query.version);
    // Citations into PDFs name their page, from the stored page offsets (the stored packet and its hash are unchanged).
    const packet = stored && withCitationPages(stored, await pagedTextsOf(deps.pool, params.id));
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

/** `stage:<name>` for a search-attribute upsert that entered a stage: the web app's stage timeline reads it. */
function stageOf(event: temporal.api.history.v1.IHistoryEvent): string | undefined {
  const data = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[searchAttributes.stage.name]?.data;
  if (!data) return undefined;
  try {
    const stage: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    return typeof stage === 'string' ? `stage:${stage}` : undefined;
  } catch {
    return undefined;
  }
}

/** A few words on what an event was about: the activity, update, signal or timer name. */
function detailOf(event: temporal.api.history.v1.IHistoryEvent): string | undefined {
  return (
    event.activityTaskScheduledEventAttributes?.activityType?.name ??
    event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
    event.workflowExecutionSignaledEventAttributes?.signalName ??
    stageOf(event) ??
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
