import type { Pool } from 'pg';

// The inbox read model: one person's pending items (pending_items, written by writeProgress),
// most overdue first, paged by a keyset cursor over the inbox index of migration 1737500000000.

export interface InboxRow {
  handoff_id: string;
  item_id: string;
  kind: 'review_item' | 'question' | 'signoff';
  summary: string;
  blocking: boolean;
  since: Date | null;
  due_at: Date | null;
  escalated: boolean;
  overdue: boolean;
  deal_id: string;
  customer_name: string;
  stage: string;
  packet_version: number | null;
  /** The item's or question's entry in the handoff's state (category, reminder and escalation times). */
  detail: { category?: string; remindAt?: string; escalateAt?: string } | null;
  due_key: string;
}

/** Position after the last row of a page: its due time (ISO, or 'infinity' when none), handoff, kind and item. */
export type InboxPosition = [string, string, string, string];

export interface InboxCounts {
  total: number;
  overdue: number;
  escalated: number;
}

/** One page (plus one row more, to tell whether another page follows) of the assignee's items. */
export async function inboxPage(pool: Pool, assignee: string, limit: number, after?: InboxPosition): Promise<InboxRow[]> {
  const { rows } = await pool.query<InboxRow>(
    `SELECT p.handoff_id, p.item_id, p.kind, p.summary, p.blocking, p.since, p.due_at, p.escalated,
            coalesce(p.due_at <= now(), false) OR p.escalated AS overdue,
            h.deal_id, h.customer_name, h.stage, h.packet_version,
            CASE p.kind
              WHEN 'review_item' THEN jsonb_path_query_first(h.state, '$.reviewItems[*] ? (@.id == $id)', jsonb_build_object('id', p.item_id))
              WHEN 'question' THEN jsonb_path_query_first(h.state, '$.openQuestions[*] ? (@.id == $id)', jsonb_build_object('id', p.item_id))
            END AS detail,
            CASE WHEN p.due_at IS NULL THEN 'infinity' ELSE to_char(p.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS due_key
       FROM pending_items p JOIN handoffs h USING (handoff_id)
      WHERE p.assignee = $1
        AND ($3::text IS NULL OR (coalesce(p.due_at, 'infinity'::timestamptz), p.handoff_id, p.kind, p.item_id) > ($3::timestamptz, $4, $5, $6))
      ORDER BY coalesce(p.due_at, 'infinity'::timestamptz), p.handoff_id, p.kind, p.item_id
      LIMIT $2`,
    [assignee, limit + 1, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, after?.[3] ?? null],
  );
  return rows;
}

/** How many items wait for the assignee in all, how many are overdue and how many were escalated. */
export async function inboxCounts(pool: Pool, assignee: string): Promise<InboxCounts> {
  const { rows } = await pool.query<InboxCounts>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE due_at <= now() OR escalated)::int AS overdue,
            count(*) FILTER (WHERE escalated)::int AS escalated
       FROM pending_items WHERE assignee = $1`,
    [assignee],
  );
  return rows[0];
}

/**
 * Handoffs that name the assignee but whose workflow has not written the read model yet (started
 * before it existed and not moved since): their items are not in the inbox, so they are named.
 */
export async function handoffsNotInReadModel(pool: Pool, assignee: string, limit = 100): Promise<string[]> {
  const { rows } = await pool.query<{ handoff_id: string }>(
    `SELECT handoff_id FROM handoffs
      WHERE assignees @> ARRAY[$1::text] AND revision IS NULL AND stage NOT IN ('completed', 'cancelled')
      ORDER BY handoff_id LIMIT $2`,
    [assignee, limit],
  );
  return rows.map((r) => r.handoff_id);
}
