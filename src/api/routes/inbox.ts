import { handoffsNotInReadModel, inboxCounts, inboxPage, type InboxPosition, type InboxRow } from '../../db/inbox';
import { badRequest } from '../problem';
import { defineRoute } from '../route-table';
import { decodeInboxCursor, Inbox, InboxQuery } from '../schemas';

// The caller's pending work across handoffs: review items routed to them, blocking questions asked
// of them and signoffs they owe. One indexed query over the pending-items read model the workflow
// keeps current (no workflow query), most overdue first, paged by cursor so nothing is dropped.

const encodeCursor = (row: InboxRow) => Buffer.from(JSON.stringify([row.due_key, row.handoff_id, row.kind, row.item_id])).toString('base64url');

function actionFor(row: InboxRow): string {
  const h = encodeURIComponent(row.handoff_id);
  const item = encodeURIComponent(row.item_id);
  if (row.kind === 'review_item') return `/handoffs/${h}/review-items/${item}/decision`;
  if (row.kind === 'question') return `/handoffs/${h}/questions/${item}/answer`;
  return `/handoffs/${h}/signoff`;
}

const iso = (d: Date | null) => (d ? d.toISOString() : undefined);

export const inbox = defineRoute({
  method: 'get',
  path: '/inbox',
  operationId: 'inbox',
  summary: 'Your pending review items, questions and signoffs, most overdue first, with reminder and escalation times (paged)',
  tag: 'review',
  auth: 'any',
  who: 'any principal (their own inbox)',
  query: InboxQuery,
  responses: { 200: { description: 'Pending work, most overdue first', schema: Inbox } },
  async handler({ deps, actor, query, res }) {
    const limit = query.limit ?? 50;
    const after = query.cursor ? (decodeInboxCursor(query.cursor) as InboxPosition | undefined) : undefined;
    if (query.cursor && !after) throw badRequest('the cursor is not one this API gave out');
    const [rows, counts, unavailable] = await Promise.all([
      inboxPage(deps.pool, actor.id, limit, after),
      inboxCounts(deps.pool, actor.id),
      handoffsNotInReadModel(deps.pool, actor.id),
    ]);
    const page = rows.slice(0, limit);
    const items = page.map((r) => ({
      kind: r.kind,
      handoffId: r.handoff_id,
      dealId: r.deal_id,
      customerName: r.customer_name,
      stage: r.stage,
      id: r.item_id,
      summary: r.summary,
      ...(r.detail?.category ? { category: r.detail.category } : {}),
      blocking: r.blocking,
      since: iso(r.since),
      remindAt: r.detail?.remindAt,
      escalateAt: r.detail?.escalateAt,
      dueAt: iso(r.due_at),
      overdue: r.overdue,
      escalated: r.escalated,
      packetVersion: r.packet_version ?? undefined,
      action: actionFor(r),
    }));
    const more = rows.length > limit;
    res.json({
      principal: actor.id,
      items,
      counts,
      handoffsChecked: new Set(page.map((r) => r.handoff_id)).size,
      truncated: more,
      nextCursor: more ? encodeCursor(page[page.length - 1]) : null,
      limit,
      unavailable,
    });
  },
});
