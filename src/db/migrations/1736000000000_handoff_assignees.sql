-- Up Migration

-- People with pending work on a handoff (routed review items, unanswered questions), so the inbox
-- finds a reviewer's handoffs through an index instead of asking every workflow in review.
ALTER TABLE handoffs ADD COLUMN assignees text[] NOT NULL DEFAULT '{}';
CREATE INDEX handoffs_assignees_idx ON handoffs USING gin (assignees);

-- Down Migration
DROP INDEX handoffs_assignees_idx;
ALTER TABLE handoffs DROP COLUMN assignees;
