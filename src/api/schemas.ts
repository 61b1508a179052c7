import { z } from 'zod';
import { BusinessDate, BusinessDateTime, IntakeBundle } from '../domain/intake';
import { HttpProblem } from './problem';
import { Packet } from '../domain/packet';
import {
  AddEvidenceBody,
  AnswerQuestionBody,
  CancelBody,
  ChangeOwnersBody,
  HandoffStage,
  HandoffState,
  MilestoneStatusBody,
  RequestChangesBody,
  ReturnForContextBody,
  ReviewDecisionBody,
  SignoffBody,
} from '../domain/review';

// The API's own shapes (params, queries, answers) next to the domain's request bodies. Everything the
// router parses with is what /openapi.json publishes: components carry a zod `id`, set once here.

const component = <T extends z.ZodType>(id: string, schema: T, description?: string): T =>
  schema.meta({ id, ...(description ? { description } : {}) }) as T;

export const schemas = {
  IntakeBundle: component('IntakeBundle', IntakeBundle, 'A closed deal\'s evidence (INTAKE.md)'),
  AddEvidenceBody: component('AddEvidenceBody', AddEvidenceBody),
  ReviewDecisionBody: component('ReviewDecisionBody', ReviewDecisionBody),
  AnswerQuestionBody: component('AnswerQuestionBody', AnswerQuestionBody),
  RequestChangesBody: component('RequestChangesBody', RequestChangesBody),
  SignoffBody: component('SignoffBody', SignoffBody),
  ReturnForContextBody: component('ReturnForContextBody', ReturnForContextBody),
  CancelBody: component('CancelBody', CancelBody),
  ChangeOwnersBody: component('ChangeOwnersBody', ChangeOwnersBody),
  MilestoneStatusBody: component('MilestoneStatusBody', MilestoneStatusBody),
  Packet: component('Packet', Packet),
};

export const HandoffIdPattern = /^handoff-[A-Za-z0-9][A-Za-z0-9._-]{0,63}(~[1-9][0-9]{0,5})?$/;
const handoffId = z.string().regex(HandoffIdPattern, 'a handoff id like handoff-D-1042').describe('handoff-<dealId>, or handoff-<dealId>~<run> for a restarted deal');
const itemId = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const HandoffParams = z.object({ id: handoffId });
export const ReviewItemParams = z.object({ id: handoffId, itemId: itemId.describe('a review item id, e.g. r1') });
export const QuestionParams = z.object({ id: handoffId, qid: itemId.describe('an open question id, e.g. q1') });

// Query strings arrive as strings; a repeated parameter arrives as an array and is refused.
const intString = (min: number, max: number) =>
  z.string().regex(/^\d{1,9}$/, 'a whole number').transform(Number).pipe(z.number().int().min(min).max(max));
const shortText = z.string().trim().min(1).max(200);

/**
 * A list cursor is base64url JSON of the last row's [created_at with microseconds (UTC), handoff id].
 * Checked here, before it reaches SQL: a year Postgres refuses or a NUL in the id would otherwise be a 500.
 */
export const ListCursorValue = z.tuple([z.iso.datetime({ precision: 6 }).pipe(BusinessDateTime), z.string().regex(HandoffIdPattern)]);
export function decodeListCursor(cursor: string): [string, string] | undefined {
  try {
    const parsed = ListCursorValue.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const ListQuery = z
  .strictObject({
    stage: HandoffStage.optional(),
    owner: shortText.optional().describe('a principal id: matches the handoff, sales or implementation owner'),
    customer: shortText.optional().describe('case-insensitive substring of the customer name'),
    limit: intString(1, 100).optional().describe('page size, 1..100 (default 20)'),
    cursor: z
      .string()
      .max(200)
      .regex(/^[A-Za-z0-9_-]+$/, 'an opaque cursor from nextCursor')
      .refine((c) => decodeListCursor(c) !== undefined, 'not a cursor this API gave out')
      .optional(),
    offset: intString(0, 100_000).optional().describe('rows to skip; use cursor for stable paging'),
  })
  .superRefine((q, ctx) => {
    if (q.cursor !== undefined && q.offset !== undefined) ctx.addIssue({ code: 'custom', path: ['offset'], message: 'use cursor or offset, not both' });
  });
export type ListQuery = z.infer<typeof ListQuery>;

export const HandoffSummary = component(
  'HandoffSummary',
  z.object({
    handoffId: z.string(),
    dealId: z.string(),
    customerName: z.string(),
    stage: z.string(),
    owners: z.object({ handoffOwner: z.string().nullable(), sales: z.string().nullable(), implementation: z.string().nullable() }),
    kickoffTarget: z.string().nullable(),
    packetVersion: z.number().int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  'A row of the handoffs projection (kept current by the workflow)',
);

export const HandoffPage = component(
  'HandoffPage',
  z.object({ items: z.array(HandoffSummary), nextCursor: z.string().nullable(), limit: z.number().int() }),
);

export const Links = z.object({ temporalUi: z.string() });
/** Owner ids as the read model holds them (GET /handoffs/:id; absent on ?fresh=true and action answers). */
const ViewOwners = z.object({ handoffOwner: z.string().optional(), sales: z.string().optional(), implementation: z.string().optional(), escalation: z.string().optional() });
export const HandoffView = component('HandoffView', HandoffState.extend({ links: Links, owners: ViewOwners.optional() }), 'The workflow\'s state query, with links');
export const HandoffCreated = component(
  'HandoffCreated',
  z.object({
    handoffId: z.string(),
    created: z.boolean().describe('false when the deal\'s handoff is running already'),
    restartOf: z.string().optional().describe('the earlier handoff of the deal this one restarts'),
    links: Links,
  }),
);

/** The intake bundle (its own component) and whether this starts a finished deal again. */
export const CreateHandoffBody = schemas.IntakeBundle.and(
  z.object({
    restart: z
      .boolean()
      .optional()
      .describe('Start a deal whose handoff finished again, as a new handoff (ops, admin, or the earlier handoff\'s handoff or sales owner); without it such a start is 409'),
    // Only POST /handoffs/{id}/secrets/rotated records a rotation: a start cannot pre-confirm its own secrets.
    secretRotations: z
      .unknown()
      .refine((value) => value === undefined, 'recorded by POST /handoffs/{id}/secrets/rotated, not sent at start')
      .optional()
      .describe('Not accepted here: recorded by POST /handoffs/{id}/secrets/rotated'),
  }),
);

export const PacketQuery = z.strictObject({
  version: intString(1, 1_000_000).optional().describe('a packet version; the latest when absent'),
  format: z.enum(['json', 'md']).optional().describe('md answers text/markdown'),
});

export const HistoryQuery = z.strictObject({
  limit: intString(1, 1000).optional().describe('newest events to list (default 200)'),
});
export const HistoryEvent = z.object({ eventId: z.string(), type: z.string(), time: z.string().nullable(), detail: z.string().optional() });
export const HandoffHistory = component(
  'HandoffHistory',
  z.object({
    handoffId: z.string(),
    events: z.number().int().describe('events in the history'),
    bytes: z.number().int().describe('encoded size of the history'),
    workflowTasks: z.number().int().describe('workflow task events left out of the list'),
    list: z.array(HistoryEvent),
    truncated: z.boolean(),
    links: Links,
  }),
);

export const InboxEntry = component(
  'InboxEntry',
  z.object({
    kind: z.enum(['review_item', 'question', 'signoff']),
    handoffId: z.string(),
    dealId: z.string(),
    customerName: z.string(),
    stage: z.string(),
    id: z.string(),
    summary: z.string(),
    category: z.string().optional(),
    blocking: z.boolean(),
    since: z.string().optional(),
    remindAt: z.string().optional(),
    escalateAt: z.string().optional(),
    overdue: z.boolean().describe('its next reminder or escalation time has passed, or it was escalated'),
    escalated: z.boolean().optional().describe('an escalation went out for it'),
    dueAt: z.string().optional().describe('when its next reminder or escalation falls due'),
    packetVersion: z.number().int().optional(),
    action: z.string().describe('the path to act on it'),
  }),
);
export const Inbox = component(
  'Inbox',
  z.object({
    principal: z.string(),
    items: z.array(InboxEntry),
    counts: z.object({ total: z.number().int(), overdue: z.number().int(), escalated: z.number().int() }).describe('all your pending items, not only this page'),
    handoffsChecked: z.number().int().describe('handoffs on this page'),
    truncated: z.boolean().describe('more items follow: fetch nextCursor'),
    nextCursor: z.string().nullable(),
    limit: z.number().int(),
    unavailable: z.array(z.string()).describe('handoffs naming you whose read model is not written yet; their items are missing'),
  }),
);

/** An inbox page position: (due time ISO or 'infinity', handoff id, kind, item id). */
const InboxCursorValue = z.tuple([
  z.string().regex(/^(infinity|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)$/),
  z.string().min(1).max(200).regex(/^[^\u0000]*$/),
  z.enum(['review_item', 'question', 'signoff']),
  z.string().min(1).max(200).regex(/^[^\u0000]*$/),
]);
export function decodeInboxCursor(cursor: string): [string, string, string, string] | undefined {
  try {
    const parsed = InboxCursorValue.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
export const InboxQuery = z.strictObject({
  limit: intString(1, 200).optional().describe('page size, 1..200 (default 50)'),
  cursor: z
    .string()
    .max(1200)
    .regex(/^[A-Za-z0-9_-]+$/, 'an opaque cursor from nextCursor')
    .refine((c) => decodeInboxCursor(c) !== undefined, 'not a cursor this API gave out')
    .optional(),
});

// Measurement events are written by this service, so the business-date range loses no event.
export const MetricsQuery = z
  .strictObject({
    from: BusinessDate.optional().describe('inclusive start date (UTC), years 2000-2199'),
    to: BusinessDate.optional().describe('exclusive end date (UTC), years 2000-2199'),
    groupBy: z.enum(['owner', 'month']).optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.from >= q.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
  });

const stat = z.object({ events: z.number().int(), total: z.number(), average: z.number().nullable() });
export const MeasurementGroup = z.object({
  key: z.string().describe('"all", an owner id or a month YYYY-MM'),
  handoffs: z.number().int(),
  accepted: z.number().int(),
  returnedForContext: z.number().int(),
  acceptanceRate: z.number().nullable(),
  meetsPilotThreshold: z.boolean().nullable(),
  packetCompletion: stat,
  openQuestionsBeforeKickoff: stat,
  rework: stat,
  expectationGaps: stat,
  clarificationRequests: stat,
  milestoneReadiness: z.object({ met: z.number().int(), notMet: z.number().int(), rate: z.number().nullable() }),
});
export const MeasurementSummary = component(
  'MeasurementSummary',
  z.object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    groupBy: z.string().nullable(),
    pilotThreshold: z.number(),
    overall: MeasurementGroup,
    groups: z.array(MeasurementGroup),
  }),
);

export const Health = z.object({ ok: z.boolean() });
export const Readiness = component(
  'Readiness',
  z.object({ ok: z.boolean(), checks: z.object({ temporal: z.object({ ok: z.boolean(), detail: z.string().optional() }), postgres: z.object({ ok: z.boolean(), detail: z.string().optional() }), worker: z.object({ ok: z.boolean(), detail: z.string().optional() }).describe('a worker polls the task queue') }) }),
);

export const Problem = component(
  'Problem',
  z.object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('zod field paths'),
  }),
  'RFC 9457 problem details',
);

export const IdempotencyKey = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
