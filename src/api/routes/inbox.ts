import type { HandoffState } from '../../domain/review';
import { queryState } from '../access';
import { HttpProblem } from '../problem';
import { defineRoute } from '../route-table';
import { Inbox } from '../schemas';

// The caller's pending work across handoffs: review items routed to them and questions asked of
// them. Candidates come from the projection (active stages where the caller is an owner or has
// pending work, as the workflow records it); the workflow's own state then decides what is really pending.

const activeStages = ['in_review', 'waiting_for_evidence', 'awaiting_signoff', 'first_milestone'];
/** Bounds the state queries one inbox call makes. */
const MAX_HANDOFFS = 200;
const CONCURRENCY = 8;
/** One handoff whose worker does not answer must not hold up everyone's inbox. */
const QUERY_DEADLINE_MS = 3_000;

interface Candidate {
  handoff_id: string;
  handoff_owner: string | null;
  sales_owner: string | null;
  implementation_owner: string | null;
}

/** Who a question is for when the workflow did not name a person: the owner behind askOf. */
function askedOf(question: HandoffState['openQuestions'][number], owners: Candidate): string | null | undefined {
  if (question.askedOf) return question.askedOf;
  switch (question.askOf) {
    case 'sales':
      return owners.sales_owner;
    case 'implementation':
      return owners.implementation_owner;
    default:
      // Questions for the buyer go through the handoff owner.
      return owners.handoff_owner;
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export const inbox = defineRoute({
  method: 'get',
  path: '/inbox',
  operationId: 'inbox',
  summary: 'Your pending review items and unanswered questions, with reminder and escalation times',
  tag: 'review',
  auth: 'any',
  who: 'any principal (their own inbox)',
  responses: { 200: { description: 'Pending work, most urgent first', schema: Inbox } },
  async handler({ deps, actor, res }) {
    const { rows } = await deps.pool.query<Candidate>(
      `SELECT handoff_id, handoff_owner, sales_owner, implementation_owner FROM handoffs
        WHERE stage = ANY($1) AND ($2 IN (handoff_owner, sales_owner, implementation_owner) OR $2 = ANY(assignees))
        ORDER BY updated_at DESC LIMIT $3`,
      [activeStages, actor.id, MAX_HANDOFFS + 1],
    );
    const candidates = rows.slice(0, MAX_HANDOFFS);
    const unavailable: string[] = [];
    const states = await mapLimit(candidates, CONCURRENCY, async (c) => {
      try {
        return await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => queryState(deps.client, c.handoff_id));
      } catch (err) {
        // A handoff that vanished since the projection was written has nothing pending; one that
        // does not answer is named, so the caller knows the list may be incomplete.
        if (!(err instanceof HttpProblem && err.status === 404)) unavailable.push(c.handoff_id);
        return undefined;
      }
    });
    const now = Date.now();
    const items = candidates.flatMap((c, i) => {
      const state = states[i];
      if (!state) return [];
      const base = { handoffId: state.handoffId, dealId: state.dealId, customerName: state.customerName, stage: state.stage };
      const overdue = (at?: string) => !!at && Date.parse(at) <= now;
      const reviewItems =
        state.stage === 'in_review'
          ? state.reviewItems
              .filter((item) => item.routeTo === actor.id && !item.decision)
              .map((item) => ({
                ...base,
                kind: 'review_item' as const,
                id: item.id,
                summary: item.summary,
                category: item.category,
                blocking: item.blocking,
                since: item.routedAt,
                remindAt: item.remindAt,
                escalateAt: item.escalateAt,
                overdue: overdue(item.escalateAt),
                packetVersion: state.packet?.version,
                action: `/handoffs/${state.handoffId}/review-items/${encodeURIComponent(item.id)}/decision`,
              }))
          : [];
      const questions = state.openQuestions
        .filter((q) => !q.answer && askedOf(q, c) === actor.id)
        .map((q) => ({
          ...base,
          kind: 'question' as const,
          id: q.id,
          summary: q.question,
          blocking: q.blocking,
          since: q.askedAt,
          remindAt: q.remindAt,
          escalateAt: q.escalateAt,
          overdue: overdue(q.escalateAt),
          action: `/handoffs/${state.handoffId}/questions/${encodeURIComponent(q.id)}/answer`,
        }));
      return [...reviewItems, ...questions];
    });
    // Overdue first, then by the next due time, then oldest first.
    const due = (e: { remindAt?: string; escalateAt?: string; since?: string }) => e.escalateAt ?? e.remindAt ?? e.since ?? '';
    items.sort((a, b) => Number(b.overdue) - Number(a.overdue) || due(a).localeCompare(due(b)));
    res.json({ principal: actor.id, items, handoffsChecked: candidates.length, truncated: rows.length > MAX_HANDOFFS, unavailable });
  },
});
