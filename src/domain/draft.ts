import { vagueClauses, type AmbiguityDraft } from './ambiguities';
import { buyerGoalOf, buyerIntentOf } from './buyer';
import { completenessOf } from './completeness';
import { contractFactsOf } from './contract-facts';
import { dependenciesOf, dependencyMentions, type DependencyDraft } from './dependencies';
import { analyzeDocuments } from './evidence';
import { defaultGatePolicy, gatesOnRedacted, type GatePolicy } from './gates';
import type { IntakeBundle } from './intake';
import { firstMilestonePlan } from './milestones';
import type { GateResult, OpenQuestion, PacketContent } from './packet';
import { impliedPromisesIn } from './promises';
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
  const impliedPromises = impliedPromisesIn(docs, redacted);
  const dependencies = dependenciesOf(dependencyMentions(docs, redacted));
  const unowned = dependencies.filter((d) => d.owner === 'unassigned');
  const ambiguities = [...vagueClauses(docs), ...unowned.map(unownedAmbiguity)];
  const soldScope = mergeScopeItems(soldScopeClauses(docs));
  const dataDependency = dependencies.find((d) => d.dependency.startsWith('Getting the customer data') || d.dependency.startsWith('Access'));

  const sections = {
    buyerGoal,
    contractFacts: contractFactsOf(docs),
    buyerIntent: buyerIntentOf(docs),
    soldScope,
    notSold: mergeScopeItems([...notSoldClauses(docs), ...declaredNotSold(docs)]),
    stakeholders: stakeholdersOf(redacted, docs),
    dependencies,
    firstThirtyDayCriteria: firstThirtyDayCriteriaOf(docs),
    firstMilestonePlan: firstMilestonePlan({ bundle: redacted, now, firstDeliverable: soldScope[0]?.item, inputsOwner: dataDependency?.owner }),
  };

  return {
    dealId: redacted.dealId,
    draftedBy: 'rules',
    ...sections,
    ambiguities,
    impliedPromises,
    risks: risksOf(gates.failures, impliedPromises, dependencies, buyerGoal?.urgency ?? 'low'),
    openQuestions: openQuestionsFor(gates, ambiguities),
    reviewItems: reviewItemsFor(impliedPromises, unowned, redacted, options.routing),
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

// Gate failures block and go to the handoff owner; ambiguities are questions for sales, who heard
// what was said.
function openQuestionsFor(gates: GateResult, ambiguities: AmbiguityDraft[]): OpenQuestion[] {
  const fromAmbiguities = ambiguities.map((a, i): OpenQuestion => ({
    id: `q${i + 1}`,
    question: `${a.issue} Please clarify what was agreed (see "${a.sources[0].documentId}").`,
    askOf: 'sales',
    blocking: false,
  }));
  return [...openQuestionsForGateFailures(gates.failures), ...fromAmbiguities];
}
