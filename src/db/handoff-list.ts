import type { Pool } from 'pg';

// The handoff list (GET /handoffs) from the read model's row per handoff: newest first, paged by
// (created_at, handoff_id). Owner filters use the per-owner indexes of migration 1737500000000.

export interface ListFilter {
  /** Only handoffs this principal owns (handoff, sales or implementation owner); unset: all. */
  visibleTo?: string;
  stage?: string;
  owner?: string;
  customer?: string;
  /** The last row's cursor position: (created_at with microseconds, handoff_id). */
  after?: [string, string];
  offset?: number;
  limit: number;
}

export interface ListRow {
  handoff_id: string;
  deal_id: string;
  customer_name: string;
  stage: string;
  handoff_owner: string | null;
  sales_owner: string | null;
  implementation_owner: string | null;
  kickoff_target: string | null;
  packet_version: number | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** One page plus one row more (whether a next page exists). */
export async function listHandoffs(pool: Pool, filter: ListFilter): Promise<ListRow[]> {
  const args: unknown[] = [];
  const arg = (value: unknown) => `$${args.push(value)}`;
  const where: string[] = [];
  // Written as OR over the three columns, each indexed, so Postgres can combine the indexes.
  const ownedBy = (id: string) => {
    const me = arg(id);
    return `(handoff_owner = ${me} OR sales_owner = ${me} OR implementation_owner = ${me})`;
  };
  if (filter.visibleTo !== undefined) where.push(ownedBy(filter.visibleTo));
  if (filter.stage) where.push(`stage = ${arg(filter.stage)}`);
  if (filter.owner) where.push(ownedBy(filter.owner));
  if (filter.customer) where.push(`lower(customer_name) LIKE '%' || ${arg(escapeLike(filter.customer.toLowerCase()))} || '%' ESCAPE '\\'`);
  if (filter.after) where.push(`(created_at, handoff_id) < (${arg(filter.after[0])}::timestamptz, ${arg(filter.after[1])})`);
  const { rows } = await pool.query<ListRow>(
    `SELECT handoff_id, deal_id, customer_name, stage, handoff_owner, sales_owner, implementation_owner,
            to_char(kickoff_target, 'YYYY-MM-DD') AS kickoff_target, packet_version, created_at, updated_at,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
       FROM handoffs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, handoff_id DESC LIMIT ${arg(filter.limit + 1)} OFFSET ${arg(filter.offset ?? 0)}`,
    args,
  );
  return rows;
}
