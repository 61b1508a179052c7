import { vagueClauses, type AmbiguityDraft } from './ambiguities';
import { buyerGoalOf, buyerIntentOf } from './buyer';
import { completenessOf } from './completeness';
import { contractFactsOf } from './contract-facts';
import { dependenciesOf, dependencyMentions, type DependencyDraft } from './dependencies';
import { analyzeDocuments, type AnalyzedDocument } from './evidence';
import { defaultGatePolicy, gatesOnRedacted, type GatePolicy } from './gates';
import type { IntakeBundle } from './intake';
import { firstMilestonePlan } from './milestones';
import type { OpenQuestion, PacketContent } from './packet';
import { checkedPromises } from './promises';
import { contractEstimate } from './feasibility';
import { extractDates } from './facts';
import { systemsIn, unownedDependencyQuestion } from './owner-questions';
import { openQuestionsForGateFailures } from './questions';
import { redactBundle } from './redact';
import { reviewItemsFor, type ReviewRouting } from './review-routing';
import { risksOf } from './risks';
import { declaredNotSold, mergeScopeItems, notSoldClauses, soldScopeClauses } from './scope';
import { stakeholdersOf } from './stakeholders';
import { firstThirtyDayCriteriaOf } from './success-criteria';

// The deterministic rules drafter: a packet from the evidence alone, every line cited verbatim.
// It reads the redacted bundle, so no secret reaches the packet, and it treats document text as
// data: nothing a document says can approve, route or sign anything.

export interface DraftOptions {
  /** The gates' clock; defaults to the bundle's close time so a draft is reproducible. */
  now?: Date;
  policy?: GatePolicy;
  /** Review category -> person id; unrouted categories go to the implementation owner, then the handoff owner. */
  routing?: ReviewRouting;
}

export function draftPacket(bundle: IntakeBundle, options: DraftOptions = {}): PacketContent {
  const now = options.now ?? defaultNow(bundle);
  const { bundle: redacted, findings } = redactBundle(bundle);
  const docs = analyzeDocuments(redacted);
  const gates = gatesOnRedacted({ raw: bundle, redacted, findings, docs, now, policy: options.policy ?? defaultGatePolicy });

  const buyerGoal = buyerGoalOf(docs);
  const { promises: impliedPromises, infeasible } = checkedPromises(docs, redacted);
  const dependencies = dependenciesOf(dependencyMentions(docs, redacted));
  const unowned = dependencies.filter((d) => d.owner === 'unassigned');
  // Each finding once: a sentence that is already an implied promise or an unowned dependency is not
  // repeated as an ambiguity (its review item or question holds it).
  const reported = new Set([...impliedPromises, ...unowned].flatMap((f) => f.sources.map((c) => c.quote)));
  const ambiguities = vagueClauses(docs).filter((a) => !a.sources.some((c) => reported.has(c.quote)));
  const soldScope = mergeScopeItems(soldScopeClauses(docs));
  const dataDependency = dependencies.find((d) => d.dependency.startsWith('Getting the customer data') || d.dependency.startsWith('Access'));
  const estimate = contractEstimate(docs);

  const sections = {
    buyerGoal,
    contractFacts: contractFactsOf(docs),
    buyerIntent: buyerIntentOf(docs),
    soldScope,
    notSold: mergeScopeItems([...notSoldClauses(docs), ...declaredNotSold(docs)]),
    stakeholders: stakeholdersOf(redacted, docs),
    dependencies,
    firstThirtyDayCriteria: firstThirtyDayCriteriaOf(docs),
    firstMilestonePlan: firstMilestonePlan({ bundle: redacted, now, firstDeliverable: soldScope[0]?.item, inputsOwner: dataDependency?.owner, estimate }),
  };

  const reviewItems = reviewItemsFor(impliedPromises, redacted, options.routing).map((item, n) => {
    const late = infeasible.find((i) => i.promise.statement === impliedPromises[n].statement);
    return late
      ? { ...item, summary: `Cannot be met by the contract's own estimate ("${late.estimate.text}" from the ${late.kickoff} kickoff: ${late.earliest} at the earliest), promised by ${late.promisedBy}: ${late.promise.statement}` }
      : item;
  });
  // Who owns an unowned dependency is the handoff owner's to settle before review ends.
  const ownerQuestions = unowned.map((d, i) => unownedDependencyQuestion(d, `q${i + 1}`, redacted));

  return {
    dealId: redacted.dealId,
    draftedBy: 'rules',
    ...sections,
    ambiguities: [...ambiguities, ...unowned.map(unownedAmbiguity)],
    impliedPromises,
    risks: risksOf({ failures: gates.failures, promises: impliedPromises, infeasible, dependencies, urgency: buyerGoal?.urgency ?? 'low', reviewItems, questions: ownerQuestions }),
    openQuestions: [
      ...openQuestionsForGateFailures(gates.failures),
      ...ownerQuestions,
      ...ambiguities.map((a, i) => ambiguityQuestion(a, unowned.length + i, redacted, docs)),
    ],
    reviewItems,
    completeness: completenessOf(sections),
    gates,
    drafting: { by: 'rules', droppedStatements: 0, restoredFindings: 0 },
  };
}

/** No clock in domain code: without an explicit `now`, the close time (else the latest evidence) stands in. */
function defaultNow(bundle: IntakeBundle): Date {
  const times = [bundle.closedAt, ...bundle.documents.map((d) => d.capturedAt)].filter((t): t is string => Boolean(t));
  return new Date(bundle.closedAt ? Date.parse(bundle.closedAt) : Math.max(0, ...times.map((t) => Date.parse(t))));
}

const unownedAmbiguity = (d: DependencyDraft): AmbiguityDraft => ({
  issue: `No one is assigned to "${d.dependency}": the contract does not say which side does it.`,
  sources: d.sources,
});

// Open questions name what is open (the date, system, amount or person) and where it comes from.
// Gate failures and unowned dependencies block and go to the handoff owner (./owner-questions); the rest
// go to sales, who heard what was said.
function ambiguityQuestion(a: AmbiguityDraft, i: number, bundle: IntakeBundle, docs: AnalyzedDocument[]): OpenQuestion {
  const source = a.sources[0];
  const sentence = docs.find((d) => d.doc.id === source.documentId)?.sentences.find((s) => s.text === source.quote);
  const named: string[] = [];
  const dates = sentence ? extractDates(sentence.text, sentence.capturedAt) : [];
  if (dates.length) named.push(`the date ${dates.join(', ')}`);
  if (/\bkick-?off|start\b/i.test(source.quote) && bundle.kickoffTarget) named.push(`the kickoff target ${bundle.kickoffTarget}`);
  const systems = systemsIn(source.quote, bundle);
  if (systems.length) named.push(systems.join(', '));
  const people = bundle.stakeholders.filter((p) => source.quote.includes(p.name.split(/\s+/)[0])).map((p) => `${p.name} (${p.side})`);
  if (people.length) named.push(people.join(', '));
  if (/\bcustomer|cooperation|provide\b/i.test(source.quote) && !people.length) {
    const contact = bundle.stakeholders.find((s) => s.side === 'buyer');
    if (contact) named.push(`what ${bundle.customer.name} (${contact.name}) must provide, and by when`);
  }
  return {
    id: `q${i + 1}`,
    question: `${a.issue} ${named.length ? `Please confirm ${named.join('; ')}.` : 'Please say what was agreed.'} Source: "${source.quote}" (${source.documentId}).`,
    askOf: 'sales',
    blocking: false,
  };
}
