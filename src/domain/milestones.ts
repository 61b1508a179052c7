import type { IntakeBundle } from './intake';
import type { PacketContent } from './packet';

// A first milestone plan dated from the kickoff target: kickoff, the customer's inputs, the first
// sold deliverable, and the 30-day check against the success criteria.

type Milestone = PacketContent['firstMilestonePlan'][number];

const DAY_MS = 86_400_000;

export interface MilestoneInputs {
  bundle: IntakeBundle;
  now: Date;
  firstDeliverable?: string;
  /** Who brings the data and access the work waits on. */
  inputsOwner?: 'buyer' | 'vendor' | 'unassigned';
  /** The contract's own estimate from inputs to first deliverable ("4 to 6 weeks after data access"). */
  estimate?: { minDays: number; text: string };
}

// The plan follows the dependencies: inputs nobody owns stay "unassigned" (the packet asks who owns
// them) instead of silently going to the delivery owner, and the first deliverable is dated no
// earlier than the contract's own estimate allows after the inputs arrive.
export function firstMilestonePlan({ bundle, now, firstDeliverable, inputsOwner, estimate }: MilestoneInputs): Milestone[] {
  const kickoff = planStart(bundle, now);
  const deliveryOwner = deliveryOwnerId(bundle);
  const plan: Milestone[] = [];
  const add = (milestone: string, offsetDays: number, owner: string): void => {
    const previous = plan[plan.length - 1];
    const due = addDays(kickoff, offsetDays);
    plan.push({ milestone, due: previous && previous.due > due ? previous.due : due, owner, dependsOn: previous ? [previous.milestone] : [] });
  };
  add(`Kickoff with ${bundle.customer.name}: confirm scope, owners and open questions`, 0, deliveryOwner);
  const inputsDay = 7;
  if (inputsOwner) {
    const owner = inputsOwner === 'buyer' ? 'buyer' : inputsOwner === 'vendor' ? deliveryOwner : 'unassigned';
    add(`Customer data and system access available to the implementation team${owner === 'unassigned' ? ' (owner not agreed: see the open questions)' : ''}`, inputsDay, owner);
  }
  if (firstDeliverable) {
    const day = estimate ? Math.max(21, (inputsOwner ? inputsDay : 0) + estimate.minDays) : 21;
    add(`First deliverable in place: ${firstDeliverable}${estimate ? ` (contract estimate: ${estimate.text})` : ''}`, day, deliveryOwner);
  }
  add('30-day review against the success criteria', 30, deliveryOwner);
  return plan;
}

/** The implementation owner, else whoever owns the handoff: a milestone always has an owner. */
export function deliveryOwnerId(bundle: IntakeBundle): string {
  const { implementation, handoffOwner, sales } = bundle.owners;
  return implementation?.id ?? handoffOwner?.id ?? sales?.id ?? 'unassigned';
}

// Without a kickoff target (a gate failure), plan from two weeks after close so the draft is still useful.
function planStart(bundle: IntakeBundle, now: Date): string {
  if (bundle.kickoffTarget) return bundle.kickoffTarget;
  const base = bundle.closedAt ? Date.parse(bundle.closedAt) : now.getTime();
  return addDays(new Date(base).toISOString().slice(0, 10), 14);
}

const addDays = (isoDate: string, days: number): string =>
  new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
