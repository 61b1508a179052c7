import { z } from 'zod';

// The handoff packet of INTAKE.md. Every statement carries verbatim citations into the bundle's
// documents, so a reader can always check what a line rests on.

export const Citation = z.object({
  documentId: z.string().min(1).max(100),
  /** A verbatim substring of the (redacted) document text. */
  quote: z.string().min(1).max(2000),
  /** The PDF page the quote starts on (documents made from a PDF); derived from the file's page offsets when the packet is read. */
  page: z.number().int().positive().optional(),
});
export type Citation = z.infer<typeof Citation>;

const sources = z.array(Citation).min(1).max(20);

export const Urgency = z.enum(['high', 'medium', 'low']);
export const promiseCategories = ['scope_promise', 'timeline_commitment', 'support_expectation', 'feasibility'] as const;
export const PromiseCategory = z.enum(promiseCategories);
export type PromiseCategory = z.infer<typeof PromiseCategory>;
// dependency_owner stays for routing tables and packets drafted before an unowned dependency became a
// blocking question to the handoff owner; the drafters no longer make items of it.
export const reviewCategories = [...promiseCategories, 'customer_facing_promise', 'dependency_owner'] as const;
export const ReviewCategory = z.enum(reviewCategories);
export type ReviewCategory = z.infer<typeof ReviewCategory>;
export const PromiseReason = z.enum(['not in contract', 'exceeds contract', 'vague commitment']);

export const gateCodes = [
  'trigger_not_handoff',
  'missing_handoff_owner',
  'missing_implementation_owner',
  'missing_deadline',
  'missing_system_of_record',
  'missing_scope_evidence',
  'contradiction',
  'stale_evidence',
  'out_of_policy',
] as const;
export const GateCode = z.enum(gateCodes);
export type GateCode = z.infer<typeof GateCode>;

export const GateFailure = z.object({
  code: GateCode,
  /** The bundle field the failure concerns, e.g. "owners.implementation". */
  field: z.string().optional(),
  documentId: z.string().optional(),
  /** A sentence for a person. */
  detail: z.string().min(1),
  sources: z.array(Citation).default([]),
});
export type GateFailure = z.infer<typeof GateFailure>;

export const GateResult = z.object({ passed: z.boolean(), failures: z.array(GateFailure) });
export type GateResult = z.infer<typeof GateResult>;

export const BuyerGoal = z.object({ statement: z.string().min(1), urgency: Urgency, sources });
export const Statement = z.object({ statement: z.string().min(1), sources });
export const ScopeItem = z.object({ item: z.string().min(1), sources });
export const Ambiguity = z.object({ issue: z.string().min(1), sources });
export const ImpliedPromise = z.object({
  statement: z.string().min(1),
  reason: PromiseReason,
  category: PromiseCategory,
  sources,
});
export type ImpliedPromise = z.infer<typeof ImpliedPromise>;
export const PacketStakeholder = z.object({
  name: z.string().min(1),
  title: z.string().optional(),
  side: z.enum(['buyer', 'vendor', 'partner']),
  role: z.string().min(1),
  sources: z.array(Citation).max(20).default([]),
});
export const Risk = z.object({ risk: z.string().min(1), severity: z.enum(['high', 'medium', 'low']), sources });
export const DependencyOwner = z.enum(['buyer', 'vendor', 'unassigned']);
export const Dependency = z.object({ dependency: z.string().min(1), owner: DependencyOwner, sources });
export const Criterion = z.object({ criterion: z.string().min(1), sources });
export const Milestone = z.object({
  milestone: z.string().min(1),
  due: z.iso.date(),
  /** A person id from the bundle's owners, or "buyer". */
  owner: z.string().min(1),
  dependsOn: z.array(z.string()).default([]),
});
export const OpenQuestion = z.object({
  id: z.string().min(1),
  question: z.string().min(1),
  askOf: z.enum(['sales', 'buyer', 'implementation', 'handoff_owner']),
  blocking: z.boolean(),
  /** The gate failure this question comes from, when it does. */
  gate: GateCode.optional(),
});
export type OpenQuestion = z.infer<typeof OpenQuestion>;
export const ReviewItem = z.object({
  id: z.string().min(1),
  category: ReviewCategory,
  summary: z.string().min(1),
  /** The person id this item is routed to. */
  routeTo: z.string().min(1),
  blocking: z.boolean().default(true),
  sources,
});
export type ReviewItem = z.infer<typeof ReviewItem>;

export const Completeness = z.object({
  score: z.number().min(0).max(1),
  missing: z.array(z.string()),
});

export const DraftingReport = z.object({
  /** "rules" or "llm:<model>" (same as packet.draftedBy). */
  by: z.string(),
  /** Why the LLM path was not used or failed, when the rules drafter stood in. */
  fallbackReason: z.string().optional(),
  usage: z.object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() }).optional(),
  /** Statements the verifier dropped because a citation was not verbatim or not allowed. */
  droppedStatements: z.number().int().nonnegative().default(0),
  /** Findings of the rules drafter that the LLM omitted and the verifier restored. */
  restoredFindings: z.number().int().nonnegative().default(0),
});
export type DraftingReport = z.infer<typeof DraftingReport>;

/** The packet's content: what the drafters produce, before it is versioned and hashed. */
export const PacketContent = z.object({
  dealId: z.string(),
  draftedBy: z.string().regex(/^(rules|llm:.+)$/),
  buyerGoal: BuyerGoal.nullable(),
  contractFacts: z.array(Statement),
  buyerIntent: z.array(Statement),
  soldScope: z.array(ScopeItem),
  notSold: z.array(ScopeItem),
  ambiguities: z.array(Ambiguity),
  impliedPromises: z.array(ImpliedPromise),
  stakeholders: z.array(PacketStakeholder),
  risks: z.array(Risk),
  dependencies: z.array(Dependency),
  firstThirtyDayCriteria: z.array(Criterion),
  firstMilestonePlan: z.array(Milestone),
  openQuestions: z.array(OpenQuestion),
  reviewItems: z.array(ReviewItem),
  completeness: Completeness,
  gates: GateResult,
  drafting: DraftingReport.optional(),
});
export type PacketContent = z.infer<typeof PacketContent>;

export const Packet = PacketContent.extend({
  handoffId: z.string(),
  version: z.number().int().positive(),
  /** sha256 over the canonical JSON of the content and version: signoffs bind to it. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type Packet = z.infer<typeof Packet>;
