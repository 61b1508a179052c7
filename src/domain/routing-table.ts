import { z } from 'zod';
import type { Owners } from './intake';
import { ReviewCategory } from './packet';
import type { ReviewRouting } from './review-routing';

// The routing table is configuration: category → role, and role → person either from the
// bundle's owners or from a directory of named reviewers (e.g. "security" → "u-sec").

export const RoutingTable = z.partialRecord(ReviewCategory, z.string().min(1));
export type RoutingTable = z.infer<typeof RoutingTable>;
export const ReviewerDirectory = z.record(z.string(), z.string().min(1));
export type ReviewerDirectory = z.infer<typeof ReviewerDirectory>;

/** Roles every bundle names; anything else is looked up in the directory. */
const ownerRoles = { implementation: 'implementation', sales: 'sales', handoff_owner: 'handoffOwner', escalation: 'escalation' } as const;

export const defaultRoutingTable: RoutingTable = {
  scope_promise: 'implementation',
  feasibility: 'implementation',
  // Kept for existing tables; new packets ask the handoff owner instead (an open question).
  dependency_owner: 'implementation',
  timeline_commitment: 'implementation',
  support_expectation: 'implementation',
  customer_facing_promise: 'implementation',
};

/** Unknown or unfilled routes fall to the handoff owner, never nowhere. */
export function routingFrom(table: RoutingTable, directory: ReviewerDirectory, owners: Owners): ReviewRouting {
  return (category) => {
    const role = table[category] ?? defaultRoutingTable[category];
    const ownerKey = role ? ownerRoles[role as keyof typeof ownerRoles] : undefined;
    const person = ownerKey ? owners[ownerKey]?.id : role ? directory[role] : undefined;
    return person ?? owners.handoffOwner?.id ?? owners.implementation?.id ?? undefined;
  };
}
