import { z } from 'zod';
import { completenessOf } from './completeness';
import { documentsWithCrm, isContractEvidence } from './crm-document';
import type { IntakeBundle } from './intake';
import {
  Ambiguity,
  BuyerGoal,
  Criterion,
  Dependency,
  ImpliedPromise,
  Milestone,
  OpenQuestion,
  PacketContent,
  PacketStakeholder,
  Risk,
  ScopeItem,
  Statement,
  type Citation,
  type ReviewItem,
} from './packet';
import { unownedDependencyQuestion } from './owner-questions';
import { reviewItemsFor, type ReviewRouting } from './review-routing';

// The gate between a model's draft and a packet people rely on. The model is a fast reader, not an
// authority: every line must quote its evidence verbatim, a contract fact must quote a contract,
// and the rules drafter's findings (implied promises, not-sold items, unowned dependencies, open
// questions, review items, gates) are unioned back in, so a document that talks the model into
// "approving" or hiding something changes nothing. Pure: the workflow may import it.

// ---------------------------------------------------------------------------------------------
// What the model is asked for: the packet's drafted sections. dealId, draftedBy, reviewItems,
// completeness, gates and drafting are computed here, never taken from the model.

const section = <T extends z.ZodType>(item: T, description: string, max = 40) => z.array(item).max(max).describe(description);

/** An open question as drafted: ids and gate links are assigned by the verifier. */
export const DraftedOpenQuestion = OpenQuestion.pick({ question: true, askOf: true, blocking: true });

export const LlmPacketDraft = z.object({
  buyerGoal: BuyerGoal.nullable().describe('The business outcome the buyer is paying for, with its urgency; null if no document states one.'),
  contractFacts: section(Statement, 'Facts stated by the contract: cite only documents of kind agreement, sow, proposal, or the "crm" document.'),
  buyerIntent: section(Statement, 'What the buyer wants or believes, from calls, emails and notes.'),
  soldScope: section(ScopeItem, 'Deliverables the contract sells: cite only agreement, sow, proposal or "crm".'),
  notSold: section(ScopeItem, 'Explicit exclusions, and things discussed that the contract does not sell.'),
  ambiguities: section(Ambiguity, 'Points the documents leave unclear or where they disagree.'),
  impliedPromises: section(ImpliedPromise, 'Commitments made outside the contract (calls, emails) that are not in it, exceed it, or are vague.'),
  stakeholders: section(PacketStakeholder, 'People involved, buyer or vendor side, with their role.'),
  risks: section(Risk, 'Delivery risks with severity.'),
  dependencies: section(Dependency, 'What delivery depends on; owner "unassigned" unless a contract document says who does it.'),
  firstThirtyDayCriteria: section(Criterion, 'How the buyer will judge the first 30 days.'),
  firstMilestonePlan: section(Milestone, 'First milestones with ISO dates; owner is a person id from the deal owners, or "buyer".', 20),
  openQuestions: section(DraftedOpenQuestion, 'Questions someone must answer before kickoff.'),
});
export type LlmPacketDraft = z.infer<typeof LlmPacketDraft>;

/** Thrown when the candidate is not even an object: nothing in it can be salvaged. */
export class PacketCandidateError extends Error {
  override readonly name = 'PacketCandidateError';
}

export interface VerifyOptions {
  /** The packet's draftedBy, e.g. "llm:claude-sonnet-4-5". Defaults to the rules packet's. */
  draftedBy?: string;
  /** The routing table the rules draft used; categories it leaves open go where the rules packet sends them. */
  routing?: ReviewRouting;
}

export interface VerifyResult {
  packet: PacketContent;
  /** Statements removed: no verbatim citation left, or not valid against the schema. */
  droppedStatements: number;
  /** Items of the rules packet the candidate lacked and that were put back. */
  restoredFindings: number;
  /** Contract facts / sold-scope items that cited no contract and were moved to buyerIntent. */
  reclassifiedStatements: number;
  /** Sections that were missing or of the wrong type (taken from the rules packet instead). */
  malformedSections: string[];
  /** One line per finding, for people and logs; never contains document text. */
  issues: string[];
}

// ---------------------------------------------------------------------------------------------

export function verifyPacket(candidate: unknown, bundle: IntakeBundle, rules: PacketContent, options: VerifyOptions = {}): VerifyResult {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new PacketCandidateError(`packet candidate must be an object, got ${candidate === null ? 'null' : Array.isArray(candidate) ? 'array' : typeof candidate}`);
  }
  const ctx = newContext(bundle);
  const draft = readSections(ctx, candidate as Record<string, unknown>);

  const contract = contractOnly(ctx, 'contractFacts', keepCited(ctx, 'contractFacts', draft.contractFacts));
  const scope = contractOnly(ctx, 'soldScope', keepCited(ctx, 'soldScope', draft.soldScope));
  const buyerIntent = [
    ...keepCited(ctx, 'buyerIntent', draft.buyerIntent),
    ...contract.moved,
    ...scope.moved.map(({ item, sources }) => ({ statement: item, sources })),
  ];

  const impliedPromises = unionFindings(ctx, 'impliedPromises', keepCited(ctx, 'impliedPromises', draft.impliedPromises), rules.impliedPromises, (p) => p.statement);
  const dependencies = restoreUnassigned(ctx, keepCited(ctx, 'dependencies', draft.dependencies), rules.dependencies);
  const openQuestions = withOwnerQuestions(mergeQuestions(ctx, draft.openQuestions, rules.openQuestions), dependencies.added, bundle);

  const content = {
    dealId: rules.dealId,
    draftedBy: options.draftedBy ?? rules.draftedBy,
    buyerGoal: verifiedGoal(ctx, draft.buyerGoal) ?? restoreOne(ctx, rules.buyerGoal),
    contractFacts: fillIfEmpty(ctx, 'contractFacts', contract.kept, rules.contractFacts),
    buyerIntent: fillIfEmpty(ctx, 'buyerIntent', buyerIntent, rules.buyerIntent),
    soldScope: fillIfEmpty(ctx, 'soldScope', scope.kept, rules.soldScope),
    notSold: unionFindings(ctx, 'notSold', keepCited(ctx, 'notSold', draft.notSold), rules.notSold, (s) => s.item).all,
    ambiguities: unionFindings(ctx, 'ambiguities', keepCited(ctx, 'ambiguities', draft.ambiguities), rules.ambiguities, (a) => a.issue).all,
    impliedPromises: impliedPromises.all,
    stakeholders: mergeStakeholders(ctx, draft.stakeholders, rules.stakeholders),
    risks: unionFindings(ctx, 'risks', keepCited(ctx, 'risks', draft.risks), rules.risks, (r) => r.risk).all,
    dependencies: dependencies.all,
    firstThirtyDayCriteria: fillIfEmpty(ctx, 'firstThirtyDayCriteria', keepCited(ctx, 'firstThirtyDayCriteria', draft.firstThirtyDayCriteria), rules.firstThirtyDayCriteria),
    firstMilestonePlan: milestonePlan(ctx, draft.firstMilestonePlan, rules.firstMilestonePlan),
    openQuestions,
    reviewItems: withNewFindings(rules.reviewItems, impliedPromises.added, bundle, routeLikeRules(rules, options.routing)),
    // The model never decides gates: they are a pure function of the bundle, computed by the rules.
    gates: rules.gates,
  };
  const packet = PacketContent.parse({
    ...content,
    completeness: completenessOf(content),
    drafting: { by: content.draftedBy, droppedStatements: ctx.dropped, restoredFindings: ctx.restored },
  });
  return {
    packet,
    droppedStatements: ctx.dropped,
    restoredFindings: ctx.restored,
    reclassifiedStatements: ctx.reclassified,
    malformedSections: ctx.malformed,
    issues: ctx.issues,
  };
}

// ---------------------------------------------------------------------------------------------
// Context: the evidence the citations must match, and the running tallies.

interface Evidence {
  text: string;
  /** Agreement, SOW, proposal or the virtual crm document: may back a contract fact. */
  contractual: boolean;
}

interface Context {
  bundle: IntakeBundle;
  evidence: Map<string, Evidence>;
  dropped: number;
  restored: number;
  reclassified: number;
  malformed: string[];
  issues: string[];
}

function newContext(bundle: IntakeBundle): Context {
  const evidence = new Map<string, Evidence>();
  for (const doc of documentsWithCrm(bundle)) {
    evidence.set(doc.id, { text: doc.text, contractual: isContractEvidence(doc) });
  }
  return { bundle, evidence, dropped: 0, restored: 0, reclassified: 0, malformed: [], issues: [] };
}

// ---------------------------------------------------------------------------------------------
// Reading the candidate, section by section and item by item, so one bad line costs one line.

type Drafted = { [K in keyof LlmPacketDraft]: LlmPacketDraft[K] };

function readSections(ctx: Context, candidate: Record<string, unknown>): Drafted {
  const shape = LlmPacketDraft.shape;
  const goal = shape.buyerGoal.safeParse(candidate.buyerGoal ?? null);
  if (!goal.success) malformedSection(ctx, 'buyerGoal');
  return {
    buyerGoal: goal.success ? goal.data : null,
    contractFacts: readList(ctx, candidate, 'contractFacts', Statement),
    buyerIntent: readList(ctx, candidate, 'buyerIntent', Statement),
    soldScope: readList(ctx, candidate, 'soldScope', ScopeItem),
    notSold: readList(ctx, candidate, 'notSold', ScopeItem),
    ambiguities: readList(ctx, candidate, 'ambiguities', Ambiguity),
    impliedPromises: readList(ctx, candidate, 'impliedPromises', ImpliedPromise),
    stakeholders: readList(ctx, candidate, 'stakeholders', PacketStakeholder),
    risks: readList(ctx, candidate, 'risks', Risk),
    dependencies: readList(ctx, candidate, 'dependencies', Dependency),
    firstThirtyDayCriteria: readList(ctx, candidate, 'firstThirtyDayCriteria', Criterion),
    firstMilestonePlan: readList(ctx, candidate, 'firstMilestonePlan', Milestone),
    openQuestions: readList(ctx, candidate, 'openQuestions', DraftedOpenQuestion),
  };
}

const maxItemsPerSection = 40;

function readList<T extends z.ZodType>(ctx: Context, candidate: Record<string, unknown>, name: keyof LlmPacketDraft, item: T): z.infer<T>[] {
  const value = candidate[name];
  if (!Array.isArray(value)) {
    malformedSection(ctx, name);
    return [];
  }
  if (value.length > maxItemsPerSection) ctx.issues.push(`${name}: only the first ${maxItemsPerSection} of ${value.length} items were read`);
  const items: z.infer<T>[] = [];
  value.slice(0, maxItemsPerSection).forEach((raw, i) => {
    // zod objects strip unknown keys: an "approved: true" riding along on an item is discarded here.
    const parsed = item.safeParse(raw);
    if (parsed.success) items.push(parsed.data as z.infer<T>);
    else drop(ctx, `${name}[${i}]`, 'does not match the packet schema');
  });
  return items;
}

function malformedSection(ctx: Context, name: string): void {
  ctx.malformed.push(name);
  ctx.issues.push(`${name}: section missing or malformed; the rules draft stands in`);
}

function drop(ctx: Context, where: string, why: string): void {
  ctx.dropped += 1;
  ctx.issues.push(`${where}: dropped, ${why}`);
}

// ---------------------------------------------------------------------------------------------
// Citations: verbatim or gone.

/** Shorter quotes match almost any text and prove nothing. */
const minQuoteLength = 4;

function isVerbatim(ctx: Context, citation: Citation): boolean {
  const doc = ctx.evidence.get(citation.documentId);
  return doc !== undefined && citation.quote.trim().length >= minQuoteLength && doc.text.includes(citation.quote);
}

/** Keeps the verbatim citations of each item; an item left with none is dropped. */
function keepCited<T extends { sources: Citation[] }>(ctx: Context, name: string, items: T[]): T[] {
  const kept: T[] = [];
  items.forEach((item, i) => {
    const sources = verifiedSources(ctx, `${name}[${i}]`, item.sources);
    if (sources.length > 0) kept.push({ ...item, sources });
    else drop(ctx, `${name}[${i}]`, 'no citation is a verbatim quote of its document');
  });
  return kept;
}

function verifiedSources(ctx: Context, where: string, sources: Citation[]): Citation[] {
  return sources
    .filter((citation, j) => {
      const ok = isVerbatim(ctx, citation);
      if (!ok) ctx.issues.push(`${where}: citation ${j + 1} (document "${citation.documentId}") removed, not a verbatim quote`);
      return ok;
    })
    // Page numbers come from the stored PDF page offsets when a packet is read, never from a drafter.
    .map(({ page: _drafted, ...citation }) => citation);
}

function verifiedGoal(ctx: Context, goal: Drafted['buyerGoal']): Drafted['buyerGoal'] {
  if (!goal) return null;
  const sources = verifiedSources(ctx, 'buyerGoal', goal.sources);
  if (sources.length > 0) return { ...goal, sources };
  drop(ctx, 'buyerGoal', 'no citation is a verbatim quote of its document');
  return null;
}

/**
 * A contract fact or sold-scope item must rest on a contract (agreement, SOW, proposal or the CRM
 * record). One that cites only calls, emails or notes is what someone said, not what was signed:
 * it is moved to buyerIntent, keeping it visible with its evidence instead of losing it.
 */
function contractOnly<T extends { sources: Citation[] }>(ctx: Context, name: string, items: T[]): { kept: T[]; moved: T[] } {
  const kept: T[] = [];
  const moved: T[] = [];
  items.forEach((item, i) => {
    const contractSources = item.sources.filter((s) => ctx.evidence.get(s.documentId)?.contractual);
    if (contractSources.length > 0) {
      kept.push({ ...item, sources: contractSources });
      return;
    }
    ctx.reclassified += 1;
    ctx.issues.push(`${name}[${i}]: cites no contract document; moved to buyerIntent`);
    moved.push(item);
  });
  return { kept, moved };
}

// ---------------------------------------------------------------------------------------------
// Union with the rules draft: the model may add findings, never remove one.

const normalize = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/** Quotes this long or longer identify a passage; shorter ones would merge unrelated findings. */
const minOverlap = 12;

/**
 * Same finding: the same words, or citations of the same passage of the same document (one quote
 * contains the other and covers at least half of it, so a snippet cannot stand in for a finding).
 */
function sameFinding(a: { text: string; sources: Citation[] }, b: { text: string; sources: Citation[] }): boolean {
  if (normalize(a.text) === normalize(b.text)) return true;
  return a.sources.some((x) => b.sources.some((y) => x.documentId === y.documentId && samePassage(normalize(x.quote), normalize(y.quote))));
}

function samePassage(x: string, y: string): boolean {
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return short.length >= minOverlap && short.length * 2 >= long.length && long.includes(short);
}

interface Union<T> {
  all: T[];
  /** The candidate's items that match no rules item: new findings. */
  added: T[];
}

function unionFindings<T extends { sources: Citation[] }>(ctx: Context, name: string, drafted: T[], rules: T[], textOf: (item: T) => string): Union<T> {
  const view = (item: T) => ({ text: textOf(item), sources: item.sources });
  const all = [...drafted];
  for (const finding of rules) {
    if (drafted.some((d) => sameFinding(view(d), view(finding)))) continue;
    all.push(finding);
    restore(ctx, `${name}: restored a rules finding the draft omitted`);
  }
  const added = drafted.filter((d) => !rules.some((r) => sameFinding(view(d), view(r))));
  return { all, added };
}

type DependencyItem = PacketContent['dependencies'][number];

/**
 * A dependency the rules found no owner for stays unassigned: who provides data or access is
 * settled by the handoff owner answering a blocking question, not by a model reading an email.
 */
function restoreUnassigned(ctx: Context, drafted: DependencyItem[], rules: DependencyItem[]): Union<DependencyItem> {
  const unassigned = rules.filter((d) => d.owner === 'unassigned');
  const view = (d: DependencyItem) => ({ text: d.dependency, sources: d.sources });
  const all = drafted.map((d) => {
    if (d.owner === 'unassigned' || !unassigned.some((r) => sameFinding(view(d), view(r)))) return d;
    restore(ctx, 'dependencies: owner reset to unassigned, as the rules found no owner in the contract');
    return { ...d, owner: 'unassigned' as const };
  });
  for (const finding of unassigned) {
    if (drafted.some((d) => sameFinding(view(d), view(finding)))) continue;
    all.push(finding);
    restore(ctx, 'dependencies: restored an unassigned dependency the draft omitted');
  }
  const added = drafted.filter((d) => d.owner === 'unassigned' && !rules.some((r) => sameFinding(view(d), view(r))));
  return { all, added };
}

function restore(ctx: Context, note: string): void {
  ctx.restored += 1;
  ctx.issues.push(note);
}

function restoreOne<T>(ctx: Context, item: T | null): T | null {
  if (item !== null) restore(ctx, 'buyerGoal: taken from the rules draft');
  return item;
}

/** A section the candidate left empty (or that lost every line in verification) keeps the rules' lines. */
function fillIfEmpty<T>(ctx: Context, name: string, drafted: T[], rules: T[]): T[] {
  if (drafted.length > 0 || rules.length === 0) return drafted;
  ctx.restored += rules.length;
  ctx.issues.push(`${name}: empty after verification; the rules draft's ${rules.length} item(s) stand in`);
  return rules;
}

type QuestionItem = PacketContent['openQuestions'][number];

/** The rules' questions (including every gate question) first, then the candidate's new ones under fresh ids. */
function mergeQuestions(ctx: Context, drafted: Drafted['openQuestions'], rules: QuestionItem[]): QuestionItem[] {
  const merged = [...rules];
  const ids = new Set(rules.map((q) => q.id));
  for (const q of drafted) {
    if (merged.some((m) => normalize(m.question) === normalize(q.question))) continue;
    merged.push({ ...q, id: freshId('q', ids) });
  }
  return merged;
}

/** An unowned dependency only the candidate found is asked about like the rules' own: blocking, of the handoff owner. */
function withOwnerQuestions(questions: QuestionItem[], unowned: DependencyItem[], bundle: IntakeBundle): QuestionItem[] {
  const ids = new Set(questions.map((q) => q.id));
  return [...questions, ...unowned.map((d) => unownedDependencyQuestion(d, freshId('q', ids), bundle))];
}

function freshId(prefix: string, used: Set<string>): string {
  let n = used.size + 1;
  while (used.has(`${prefix}${n}`)) n += 1;
  const id = `${prefix}${n}`;
  used.add(id);
  return id;
}

type StakeholderItem = PacketContent['stakeholders'][number];

/** Bundle stakeholders need no quote (the bundle names them); anyone else the candidate adds does. */
function mergeStakeholders(ctx: Context, drafted: StakeholderItem[], rules: StakeholderItem[]): StakeholderItem[] {
  const named = new Set([...ctx.bundle.stakeholders.map((s) => normalize(s.name)), ...rules.map((s) => normalize(s.name))]);
  const kept: StakeholderItem[] = [];
  drafted.forEach((person, i) => {
    const sources = verifiedSources(ctx, `stakeholders[${i}]`, person.sources);
    if (sources.length > 0 || named.has(normalize(person.name))) kept.push({ ...person, sources });
    else drop(ctx, `stakeholders[${i}]`, 'not named in the bundle and no verbatim citation');
  });
  for (const person of rules) {
    if (kept.some((k) => normalize(k.name) === normalize(person.name))) continue;
    kept.push(person);
    restore(ctx, 'stakeholders: restored a stakeholder the draft omitted');
  }
  return kept;
}

type MilestoneItem = PacketContent['firstMilestonePlan'][number];

/**
 * Milestones carry no citations and their dates drive the workflow's first-milestone timer, so
 * the rules' plan (derived from the kickoff target) stands when there is one; the candidate's plan
 * is used only when the rules have none, with owners limited to the deal's people or "buyer".
 */
function milestonePlan(ctx: Context, drafted: MilestoneItem[], rules: MilestoneItem[]): MilestoneItem[] {
  if (rules.length > 0) return rules;
  const owners = ctx.bundle.owners;
  const known = new Set(['buyer', ...[owners.handoffOwner, owners.sales, owners.implementation, owners.escalation].flatMap((p) => (p ? [p.id] : []))]);
  const fallback = owners.implementation?.id ?? owners.handoffOwner?.id ?? 'buyer';
  return drafted.map((m, i) => {
    if (known.has(m.owner)) return m;
    ctx.issues.push(`firstMilestonePlan[${i}]: owner is not one of the deal's people; set to ${fallback}`);
    return { ...m, owner: fallback };
  });
}

// ---------------------------------------------------------------------------------------------
// Review items: the rules' items always, plus one per promise only the candidate found, built and
// routed by the rules drafter's own helper so both paths word and route them alike.

type PromiseItem = PacketContent['impliedPromises'][number];

/** The rules' items, then the rules drafter's own items for the new findings, under fresh ids. */
function withNewFindings(rules: ReviewItem[], promises: PromiseItem[], bundle: IntakeBundle, routing: ReviewRouting): ReviewItem[] {
  const items = [...rules];
  const ids = new Set(items.map((r) => r.id));
  for (const item of reviewItemsFor(promises, bundle, routing)) {
    const view = (r: ReviewItem) => ({ text: r.summary, sources: r.sources });
    if (items.some((r) => r.category === item.category && sameFinding(view(r), view(item)))) continue;
    items.push({ ...item, id: freshId('r', ids) });
  }
  return items;
}

/**
 * New findings go to whoever the configured routing names, else to whoever the rules packet
 * routes that category to; reviewItemsFor falls back to the implementation owner after that.
 */
export function routeLikeRules(rules: PacketContent, routing?: ReviewRouting): ReviewRouting {
  return (category) => routing?.(category) || rules.reviewItems.find((r) => r.category === category)?.routeTo;
}
