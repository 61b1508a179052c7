import { z } from 'zod';
import { BusinessDate, EvidenceDocument, Owners } from './intake';
import { GateFailure, OpenQuestion, ReviewCategory } from './packet';
import type { DecisionRecord } from '../activities/records';

// Shapes of the human side of a handoff: who acts, what they decide, and the state the workflow
// reports back. The API validates requests with these; the workflow re-checks the business rules.

export const handoffStages = [
  'intake',
  'waiting_for_evidence',
  'drafting',
  'in_review',
  'awaiting_signoff',
  'kickoff_release',
  'first_milestone',
  'completed',
  'cancelled',
] as const;
export const HandoffStage = z.enum(handoffStages);
export type HandoffStage = z.infer<typeof HandoffStage>;

export const roles = ['ops', 'sales', 'implementation', 'reviewer', 'admin'] as const;
export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

/** Who is acting: set by the API from the bearer token, never taken from a request body. */
export const Actor = z.object({ id: z.string().min(1), roles: z.array(Role) });
export type Actor = z.infer<typeof Actor>;

const requestId = z.string().trim().min(1).max(200).describe('Makes a retried request a no-op; defaults to the Idempotency-Key header or a new id');

export const ReviewDecisionBody = z.strictObject({
  decision: z.enum(['approved', 'rejected']),
  comment: z.string().max(5000).optional(),
  /** The packet version the reviewer read: a decision on an older version is refused. */
  packetVersion: z.number().int().positive(),
  requestId: requestId.optional(),
});
export type ReviewDecisionBody = z.infer<typeof ReviewDecisionBody>;

export const SignoffBody = z.strictObject({
  role: z.enum(['sales', 'implementation']),
  packetVersion: z.number().int().positive(),
  packetHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  comment: z.string().max(5000).optional(),
  requestId: requestId.optional(),
});
export type SignoffBody = z.infer<typeof SignoffBody>;

export const CancelBody = z.strictObject({
  reason: z.string().trim().min(1).max(2000),
  requestId: requestId.optional(),
});
export type CancelBody = z.infer<typeof CancelBody>;

/** Evidence is stored by the API first; the workflow only learns the new bundle's hash (and owners, which it routes by). */
export const AddEvidenceInput = z.object({
  requestId, actor: Actor, bundleHash: z.string(), documentIds: z.array(z.string()), owners: Owners.optional(),
  /** A corrected kickoff date: the workflow keeps its search attribute and read model current with it. */
  kickoffTarget: z.string().optional(),
});
export type AddEvidenceInput = z.infer<typeof AddEvidenceInput>;

export const AnswerQuestionBody = z.strictObject({
  answer: z.string().trim().min(1).max(10_000),
  requestId: requestId.optional(),
});
export type AnswerQuestionBody = z.infer<typeof AnswerQuestionBody>;

/** A reviewer asks for a redraft; the comment is stored as evidence for the next draft. */
export const RequestChangesBody = z.strictObject({
  comment: z.string().trim().min(1).max(10_000),
  packetVersion: z.number().int().positive(),
  requestId: requestId.optional(),
});
export type RequestChangesBody = z.infer<typeof RequestChangesBody>;

/** The implementation owner sends the handoff back: context is missing. */
export const ReturnForContextBody = z.strictObject({
  reason: z.string().trim().min(1).max(10_000),
  requestId: requestId.optional(),
});
export type ReturnForContextBody = z.infer<typeof ReturnForContextBody>;

export const milestoneStatuses = ['on_track', 'at_risk', 'met', 'not_met'] as const;
export const MilestoneStatusBody = z.strictObject({
  status: z.enum(milestoneStatuses),
  note: z.string().max(5000).optional(),
  /** Which first-30-day criteria are met so far. */
  criteriaMet: z.array(z.string().max(1000)).max(50).optional(),
  requestId: requestId.optional(),
});
export type MilestoneStatusBody = z.infer<typeof MilestoneStatusBody>;

export const AddEvidenceBody = z.strictObject({
  documents: z.array(EvidenceDocument).min(1).max(50),
  /** Owners once rode along with evidence (sales named itself implementation owner); a client that still sends them is told where they went. */
  owners: z
    .unknown()
    .refine(() => false, 'owners change through POST /handoffs/{id}/owners (audited; the handoff owner, ops or an admin), not with evidence')
    .optional()
    .describe('Not accepted (400): owners change through POST /handoffs/{id}/owners'),
  /** Corrections to gate-checked bundle fields. */
  kickoffTarget: BusinessDate.optional(),
  systemOfRecord: z.object({ system: z.string().trim().min(1).max(100), recordId: z.string().trim().min(1).max(200) }).optional(),
  requestId: requestId.optional(),
});
export type AddEvidenceBody = z.infer<typeof AddEvidenceBody>;

/** Owners change only by this explicit, audited action (ops, admin or the handoff owner), never as a side effect of evidence. */
export const ChangeOwnersBody = z.strictObject({
  owners: Owners.partial().refine((o) => Object.keys(o).length > 0, 'name at least one owner to change'),
  reason: z.string().trim().min(1).max(2000),
  requestId: requestId.optional(),
});
export type ChangeOwnersBody = z.infer<typeof ChangeOwnersBody>;
export const ChangeOwnersInput = ChangeOwnersBody.extend({ requestId, actor: Actor });
export type ChangeOwnersInput = z.infer<typeof ChangeOwnersInput>;

export const AnswerQuestionInput = AnswerQuestionBody.extend({ questionId: z.string().min(1), requestId, actor: Actor });
export type AnswerQuestionInput = z.infer<typeof AnswerQuestionInput>;
/** Comments reach the workflow as the hash of the bundle that now holds them. */
export const RequestChangesInput = RequestChangesBody.extend({ requestId, actor: Actor, bundleHash: z.string() });
export type RequestChangesInput = z.infer<typeof RequestChangesInput>;
export const ReturnForContextInput = ReturnForContextBody.extend({ requestId, actor: Actor });
export type ReturnForContextInput = z.infer<typeof ReturnForContextInput>;
export const MilestoneStatusInput = MilestoneStatusBody.extend({ requestId, actor: Actor });
export type MilestoneStatusInput = z.infer<typeof MilestoneStatusInput>;

export const ReviewDecisionInput = ReviewDecisionBody.extend({ itemId: z.string().min(1), requestId, actor: Actor });
export type ReviewDecisionInput = z.infer<typeof ReviewDecisionInput>;
export const SignoffInput = SignoffBody.extend({ requestId, actor: Actor });
export type SignoffInput = z.infer<typeof SignoffInput>;
export const CancelInput = CancelBody.extend({ requestId, actor: Actor });
export type CancelInput = z.infer<typeof CancelInput>;

export const Decision = z.object({
  decision: z.enum(['approved', 'rejected']),
  by: z.string(),
  at: z.string(),
  comment: z.string().optional(),
});

/** Reminders and escalations sent for a pending item or question. */
export const Notice = z.object({ reminders: z.number().int(), escalations: z.number().int(), lastAt: z.string().optional() });

export const ReviewItemState = z.object({
  id: z.string(),
  category: ReviewCategory,
  summary: z.string(),
  routeTo: z.string(),
  blocking: z.boolean(),
  /** When the item was routed: reminders and escalations count from here. */
  routedAt: z.string(),
  /** When the reminder and the escalation fall due while the item is pending. */
  remindAt: z.string().optional(),
  escalateAt: z.string().optional(),
  decision: Decision.optional(),
  notices: Notice.optional(),
});
export type ReviewItemState = z.infer<typeof ReviewItemState>;

export const QuestionState = OpenQuestion.extend({
  /** The person asked: the owner behind askOf. */
  askedOf: z.string().optional(),
  askedAt: z.string(),
  remindAt: z.string().optional(),
  escalateAt: z.string().optional(),
  answer: z.object({ text: z.string(), by: z.string(), at: z.string() }).optional(),
  notices: Notice.optional(),
});
export type QuestionState = z.infer<typeof QuestionState>;

export const SignoffRecord = z.object({ by: z.string(), at: z.string(), packetVersion: z.number(), packetHash: z.string() });

export const PacketSummary = z.object({
  version: z.number().int().positive(),
  hash: z.string(),
  draftedBy: z.string(),
  completeness: z.number(),
  impliedPromises: z.number().int(),
  fallbackReason: z.string().optional(),
});
export type PacketSummary = z.infer<typeof PacketSummary>;

/** What the `state` query and every update answer with. */
export const HandoffState = z.object({
  handoffId: z.string(),
  dealId: z.string(),
  customerName: z.string(),
  stage: HandoffStage,
  packet: PacketSummary.optional(),
  gateFailures: z.array(GateFailure),
  reviewItems: z.array(ReviewItemState),
  openQuestions: z.array(QuestionState),
  bundleHash: z.string(),
  /** Redrafts after review asked for changes. */
  rework: z.number().int(),
  returnsForContext: z.number().int(),
  milestone: z
    .object({ due: z.string().optional(), status: z.enum(milestoneStatuses).optional(), note: z.string().optional(), criteriaMet: z.array(z.string()).default([]) })
    .optional(),
  signoffs: z.object({ sales: SignoffRecord.optional(), implementation: SignoffRecord.optional() }),
  release: z.object({ releasedAt: z.string(), packetVersion: z.number() }).optional(),
  /** Grows with every change; the read model never takes an older revision over a newer one. */
  revision: z.number().int().optional(),
  /** When the current stage was entered. */
  stageEnteredAt: z.string().optional(),
  /** The kickoff date of the current bundle (evidence can correct it). */
  kickoffTarget: z.string().optional(),
  /** Release refused for a reason no review item explains: the handoff waits for a redraft or a return. */
  releaseBlocked: z.object({ reason: z.string(), at: z.string(), packetVersion: z.number() }).optional(),
  cancelled: z.object({ by: z.string(), at: z.string(), reason: z.string() }).optional(),
});
export type HandoffState = z.infer<typeof HandoffState>;

/**
 * What an update answers: small on purpose, since every answer is kept in workflow history. The
 * API reads the full state with the `state` query right after.
 */
export const HandoffAck = z.object({
  handoffId: z.string(), stage: HandoffStage, packetVersion: z.number().int().optional(),
  /** The state revision this update produced: the API reads the read model once it has it. */
  revision: z.number().int().optional(),
  /**
   * Under the progress-as-changes patch: what this update changed, from revision `base` to
   * `revision`, and the audit rows it queued. The API applies them to the read model at once.
   */
  base: z.number().int().optional(),
  changes: z.array(z.object({ path: z.array(z.string()), value: z.unknown().optional(), remove: z.literal(true).optional() })).optional(),
  audit: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type HandoffAck = Omit<z.infer<typeof HandoffAck>, 'audit'> & { audit?: Array<Pick<DecisionRecord, 'itemId' | 'kind' | 'decision' | 'comment'>> };

// The workflow imports these from ./review-progress (no zod); kept here for everyone else.
export { isReviewComplete, pendingReviewItems, unansweredBlockingQuestions } from './review-progress';
