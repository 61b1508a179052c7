import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import { bundleOwners } from '../db/bundles';
import { readHandoff, type ReadModelOwners, type ReadModelRow } from '../db/read-model';
import { ownerIds } from '../domain/initial-state';
import type { Actor, HandoffState } from '../domain/review';
import { stateQuery } from '../workflows/definitions';
import { forbidden, notFound } from './problem';
import { hasRole } from './route-table';
import { callWorkflow } from './temporal-errors';

// Who may see and act on one handoff. The API checks the coarse rule (is this person part of the
// handoff, in which capacity); the workflow's update validators check the fine rules (the item is
// routed to you, you are the named implementation owner) so a refused request never enters history.

export interface HandoffContext {
  handoffId: string;
  state: HandoffState;
  /** The ids of the owners the workflow routes by (evidence and owner changes can correct them). */
  owners: ReadModelOwners;
  bundleHash: string;
  /** Where the state came from: the read model (`revision` set) or, before its first write, the workflow. */
  revision?: number;
  /** The read model's row it came from: an action applies its update's changes on it without reading it again. */
  row?: ReadModelRow;
}

export async function queryState(client: Client, handoffId: string): Promise<HandoffState> {
  return callWorkflow(client, handoffId, 'query', (handle) => handle.query(stateQuery));
}

/** The handoff as the workflow answers it now, owners from its current bundle: for ops and for the fallback. */
export async function loadFreshContext(client: Client, pool: Pool, handoffId: string): Promise<HandoffContext> {
  const state = await queryState(client, handoffId);
  return { handoffId, state, owners: ownerIds(await bundleOwners(pool, state.bundleHash)), bundleHash: state.bundleHash };
}

/**
 * The handoff from the read model the workflow keeps current: no workflow query, so reads never
 * wake a worker or replay a completed history. Only a handoff the read model does not hold yet
 * (started moments ago, before its workflow's first write; or one started before the read model
 * existed) is asked of the workflow, so a client that starts a handoff and reads it at once gets
 * it (and an unknown id still answers 404 from Temporal).
 */
export async function loadHandoffContext(client: Client, pool: Pool, handoffId: string): Promise<HandoffContext> {
  const row = await readHandoff(pool, handoffId);
  if (!row) return loadFreshContext(client, pool, handoffId);
  return { handoffId, state: row.state, owners: row.owners, bundleHash: row.state.bundleHash, revision: row.revision, row };
}

/** A capacity in which someone acts on a handoff; `describe` is what docs and the document print. */
export interface Capacity {
  describe: string;
  holds(actor: Actor, ctx: HandoffContext): boolean;
}

const ownerCapacity = (key: keyof ReadModelOwners, describe: string): Capacity => ({
  describe,
  holds: (actor, ctx) => !!ctx.owners[key] && ctx.owners[key] === actor.id,
});

export const capacities = {
  admin: { describe: 'admin', holds: (actor: Actor) => actor.roles.includes('admin') },
  ops: { describe: 'ops', holds: (actor: Actor) => hasRole(actor, ['ops']) },
  handoffOwner: ownerCapacity('handoffOwner', 'the handoff owner'),
  salesOwner: ownerCapacity('sales', 'the sales owner'),
  implementationOwner: ownerCapacity('implementation', 'the implementation owner'),
  escalation: ownerCapacity('escalation', 'the escalation contact'),
  routedReviewer: {
    describe: 'a reviewer with items routed to them',
    holds: (actor: Actor, ctx: HandoffContext) => ctx.state.reviewItems.some((i) => i.routeTo === actor.id),
  },
  askedPerson: {
    describe: 'a person an open question is asked of',
    holds: (actor: Actor, ctx: HandoffContext) => ctx.state.openQuestions.some((q) => q.askedOf === actor.id),
  },
} satisfies Record<string, Capacity>;

export const anyOf = (...list: Capacity[]): Capacity => ({
  describe: list.map((c) => c.describe).join(', '),
  holds: (actor, ctx) => list.some((c) => c.holds(actor, ctx)),
});

/** Who sees a handoff at all; anyone else gets 404, so ids of other deals are not confirmed. */
export const viewers = anyOf(
  capacities.handoffOwner,
  capacities.salesOwner,
  capacities.implementationOwner,
  capacities.escalation,
  capacities.routedReviewer,
  capacities.askedPerson,
  capacities.ops,
  capacities.admin,
);

type AuthorizeArgs = { deps: { client: Client; pool: Pool }; actor: Actor; params: { id: string } };

/** For reads: the handoff must exist and be visible to the caller, else 404 (its existence is not confirmed). */
export function requireViewer() {
  return async ({ deps, actor, params }: AuthorizeArgs): Promise<HandoffContext> => {
    const ctx = await loadHandoffContext(deps.client, deps.pool, params.id);
    if (!viewers.holds(actor, ctx)) throw notFound(`no handoff ${params.id}`);
    return ctx;
  };
}

/**
 * For actions: the handoff must exist (404) and the caller hold one of the capacities (403). A
 * caller with no part in the handoff gets 403 too: they asked to act, and are told they may not.
 */
export function requireCapacity(capacity: Capacity) {
  return async ({ deps, actor, params }: AuthorizeArgs): Promise<HandoffContext> => {
    const ctx = await loadHandoffContext(deps.client, deps.pool, params.id);
    if (!viewers.holds(actor, ctx)) throw forbidden(`you take no part in handoff ${params.id}`);
    if (!capacity.holds(actor, ctx)) throw forbidden(`only ${capacity.describe} may do this`);
    return ctx;
  };
}
