import type { ImpliedPromise, Packet } from './packet';

// Customer-facing kickoff material is built from approved content only, and checked again: no
// implied promise that review did not approve may reach the customer.

export interface KickoffMaterials {
  agenda: string[];
  customerEmail: string;
}

/** Ids of review items approved by their reviewer. */
export type ApprovedItemIds = ReadonlySet<string>;

/**
 * The review item that covers a promise: same category, same cited quote. Promises that exceed the
 * same contract clause all cite it, so the item citing the promise's own sentence (its first source) wins.
 */
export function reviewItemFor(packet: Pick<Packet, 'reviewItems'>, promise: ImpliedPromise) {
  const cites = (item: Packet['reviewItems'][number], quote: string) => item.sources.some((s) => s.quote === quote);
  const candidates = packet.reviewItems.filter((item) => item.category === promise.category && promise.sources.some((p) => cites(item, p.quote)));
  return candidates.find((item) => cites(item, promise.sources[0].quote)) ?? candidates[0];
}

export function approvedPromises(packet: Packet, approved: ApprovedItemIds): ImpliedPromise[] {
  return packet.impliedPromises.filter((promise) => {
    const item = reviewItemFor(packet, promise);
    return item !== undefined && approved.has(item.id);
  });
}

export function buildKickoffMaterials(packet: Packet, approved: ApprovedItemIds, customerName: string, kickoffTarget?: string): KickoffMaterials {
  const commitments = approvedPromises(packet, approved).map((p) => p.statement);
  const milestone = packet.firstMilestonePlan[0];
  // The buyer's goal is often said in the same breath as a sales promise; unapproved, it stays internal.
  const unapproved = unapprovedWordings(packet, approved);
  const goal = packet.buyerGoal && !unapproved.some((u) => mentions(packet.buyerGoal!.statement, u.wording)) ? packet.buyerGoal.statement : undefined;
  const agenda = [
    'Introductions and roles',
    `Goals: ${goal ?? 'confirm the buyer goal'}`,
    `Scope we will deliver: ${packet.soldScope.map((s) => s.item).join('; ') || 'to confirm'}`,
    `Not included: ${packet.notSold.map((s) => s.item).join('; ') || 'nothing listed'}`,
    ...(milestone ? [`First milestone: ${milestone.milestone} (due ${milestone.due})`] : []),
    'Dependencies and owners',
    'Open questions and next steps',
  ];
  const lines = [
    `Hello ${customerName} team,`,
    '',
    `We look forward to the kickoff${kickoffTarget ? ` on ${kickoffTarget}` : ''}. Here is what we will cover:`,
    ...agenda.map((a) => `- ${a}`),
  ];
  if (commitments.length) lines.push('', 'We have also confirmed:', ...commitments.map((c) => `- ${c}`));
  lines.push('', 'Best regards,', 'Your implementation team');
  return { agenda, customerEmail: lines.join('\n') };
}

const normalize = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** Each promise review did not approve, with its wording (minus the contract clauses it cites). */
function unapprovedWordings(packet: Packet, approved: ApprovedItemIds): Array<{ promise: ImpliedPromise; wording: string[] }> {
  // A promise often cites the contract clause it exceeds; that clause is contract text, not the promise.
  const contractQuotes = new Set(
    [...packet.contractFacts, ...packet.soldScope, ...packet.notSold].flatMap((entry) => entry.sources.map((s) => normalize(s.quote))),
  );
  return packet.impliedPromises
    .filter((promise) => {
      const item = reviewItemFor(packet, promise);
      return !(item && approved.has(item.id));
    })
    .map((promise) => ({
      promise,
      wording: [promise.statement, ...promise.sources.map((s) => s.quote)].map(normalize).filter((t) => !contractQuotes.has(t)),
    }));
}

const mentions = (text: string, wording: string[]) => {
  const normalized = normalize(text);
  return wording.some((t) => normalized.includes(t));
};

/** Promises review did not approve whose wording appears in the materials anyway. */
export function unapprovedPromisesIn(materials: KickoffMaterials, packet: Packet, approved: ApprovedItemIds): ImpliedPromise[] {
  const text = [...materials.agenda, materials.customerEmail].join('\n');
  return unapprovedWordings(packet, approved)
    .filter((u) => mentions(text, u.wording))
    .map((u) => u.promise);
}
