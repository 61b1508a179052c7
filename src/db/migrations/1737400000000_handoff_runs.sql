-- Up Migration

-- Every handoff id a deal has used, in order. A deal's first handoff is handoff-<dealId>; a restart
-- after it finished gets handoff-<dealId>~<run>, so no run ever reuses an earlier run's id (and
-- with it the earlier run's packets, audit rows and projection), even after Temporal forgot it.
CREATE TABLE handoff_runs (
  handoff_id   text PRIMARY KEY,
  deal_id      text NOT NULL,
  run          integer NOT NULL CHECK (run >= 1),
  -- The bundle the run started with: whose run it was, if it never reached the projection.
  bundle_hash  text,
  started_by   text NOT NULL,
  restart_of   text REFERENCES handoff_runs (handoff_id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (deal_id, run)
);

-- Handoffs started before runs were recorded are run 1 of their deal.
INSERT INTO handoff_runs (handoff_id, deal_id, run, bundle_hash, started_by, created_at)
SELECT handoff_id, deal_id, 1, bundle_hash, 'unknown', created_at FROM handoffs
ON CONFLICT DO NOTHING;

-- Down Migration
DROP TABLE handoff_runs;
