-- Up Migration

-- The read model the workflow keeps current (issue 10): each handoff's whole public state, its
-- owners and a revision that only grows, so the API answers reads and authorizes without asking
-- the workflow. A write with an older revision never replaces a newer one.
ALTER TABLE handoffs ADD COLUMN state jsonb;
-- NULL until the first write of the read model (rows written only by the older projection).
ALTER TABLE handoffs ADD COLUMN revision bigint;
ALTER TABLE handoffs ADD COLUMN owners jsonb NOT NULL DEFAULT '{}';
ALTER TABLE handoffs ADD COLUMN escalation_owner text;

-- Lists by owner (GET /handoffs?owner=, and everyone but ops sees only their own), newest first.
CREATE INDEX handoffs_created_idx ON handoffs (created_at DESC, handoff_id DESC);
CREATE INDEX handoffs_handoff_owner_idx ON handoffs (handoff_owner, created_at DESC);
CREATE INDEX handoffs_sales_owner_idx ON handoffs (sales_owner, created_at DESC);
CREATE INDEX handoffs_implementation_owner_idx ON handoffs (implementation_owner, created_at DESC);

-- What waits for whom: one row per pending review item, question or signoff, replaced at every
-- write of the handoff. The inbox is one index scan: the caller's rows, most overdue first
-- (no due time sorts last), then by handoff and item so the cursor is stable.
CREATE TABLE pending_items (
  handoff_id  text NOT NULL,
  item_id     text NOT NULL,
  kind        text NOT NULL,
  assignee    text NOT NULL,
  summary     text NOT NULL,
  blocking    boolean NOT NULL,
  -- Unknown for items the workflow cannot date (a signoff in a handoff that began before stages were timed).
  since       timestamptz,
  due_at      timestamptz,
  escalated   boolean NOT NULL DEFAULT false,
  PRIMARY KEY (handoff_id, kind, item_id, assignee)
);
CREATE INDEX pending_items_inbox_idx ON pending_items (assignee, (coalesce(due_at, 'infinity'::timestamptz)), handoff_id, kind, item_id);

-- Down Migration
DROP TABLE pending_items;
DROP INDEX handoffs_implementation_owner_idx;
DROP INDEX handoffs_sales_owner_idx;
DROP INDEX handoffs_handoff_owner_idx;
DROP INDEX handoffs_created_idx;
ALTER TABLE handoffs DROP COLUMN escalation_owner;
ALTER TABLE handoffs DROP COLUMN owners;
ALTER TABLE handoffs DROP COLUMN revision;
ALTER TABLE handoffs DROP COLUMN state;
