-- Up Migration

-- The all-time measurement summary (GET /metrics/handoffs) aggregated every event per request (~100 ms
-- at 100,000 events). This table holds each handoff's contribution to each group it falls in: the
-- whole ('all'), its owner, a UTC month of its events; with the events and each kind's count and
-- value sum. Triggers on measurement_events keep it current in the writer's own transaction, so
-- writers change nothing and the summary never disagrees with the events; the summary reads one row
-- per handoff and group instead of every event. Rows are per handoff: concurrent handoffs never
-- contend for a shared row. A new kind needs its two columns here and in the functions below
-- (src/db/measurements.ts reads n_<kind> and sum_<kind> for each kind of the domain).
CREATE TABLE measurement_contributions (
  grouped_by  text NOT NULL CHECK (grouped_by IN ('all', 'owner', 'month')),
  -- '' for 'all'; the owner id ('unassigned' for events naming none); the month YYYY-MM (UTC).
  key         text NOT NULL,
  handoff_id  text NOT NULL,
  -- Events of every kind, known or not: a row exists while this is above 0.
  events      integer NOT NULL,
  n_packet_completion integer NOT NULL DEFAULT 0,
  sum_packet_completion double precision NOT NULL DEFAULT 0,
  n_open_questions_before_kickoff integer NOT NULL DEFAULT 0,
  sum_open_questions_before_kickoff double precision NOT NULL DEFAULT 0,
  n_kickoff_rework integer NOT NULL DEFAULT 0,
  sum_kickoff_rework double precision NOT NULL DEFAULT 0,
  n_expectation_gaps integer NOT NULL DEFAULT 0,
  sum_expectation_gaps double precision NOT NULL DEFAULT 0,
  n_first_milestone_readiness integer NOT NULL DEFAULT 0,
  sum_first_milestone_readiness double precision NOT NULL DEFAULT 0,
  n_clarification_requests integer NOT NULL DEFAULT 0,
  sum_clarification_requests double precision NOT NULL DEFAULT 0,
  n_missing_context_return integer NOT NULL DEFAULT 0,
  sum_missing_context_return double precision NOT NULL DEFAULT 0,
  n_accepted integer NOT NULL DEFAULT 0,
  sum_accepted double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (grouped_by, key, handoff_id)
);
-- A summary scans a few tens of thousands of these rows in ~10 ms: parallel workers only add their start-up,
-- and on a busy machine the wait for the slowest (measured: month p50 44 → 29 ms, worst 163 → 53 ms serial).
ALTER TABLE measurement_contributions SET (parallel_workers = 0);

-- Adds events (sign 1) or takes them away (sign -1) in each of their three groups. Statement-level:
-- one upsert per statement, aggregated first (an upsert may touch a row only once).
CREATE FUNCTION measurement_contributions_add(rows measurement_events[], sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO measurement_contributions AS r (grouped_by, key, handoff_id, events, n_packet_completion, sum_packet_completion, n_open_questions_before_kickoff, sum_open_questions_before_kickoff, n_kickoff_rework, sum_kickoff_rework, n_expectation_gaps, sum_expectation_gaps, n_first_milestone_readiness, sum_first_milestone_readiness, n_clarification_requests, sum_clarification_requests, n_missing_context_return, sum_missing_context_return, n_accepted, sum_accepted)
  SELECT g.grouped_by, g.key, e.handoff_id, sign * count(*),
         sign * count(*) FILTER (WHERE e.kind = 'packet_completion'), sign * coalesce(sum(e.value) FILTER (WHERE e.kind = 'packet_completion'), 0),
         sign * count(*) FILTER (WHERE e.kind = 'open_questions_before_kickoff'), sign * coalesce(sum(e.value) FILTER (WHERE e.kind = 'open_questions_before_kickoff'), 0),
         sign * count(*) FILTER (WHERE e.kind = 'kickoff_rework'), sign * coalesce(sum(e.value) FILTER (WHERE e.kind = 'kickoff_rework'), 0),
         sign * count(*) FILTER (WHERE e.kind = 'expectation_gaps'), sign * coalesce(sum(e.value) FILTER (WHERE e.kind = 'expectation_gaps'), 0),
         sign * count(*) FILTER (WHERE e.kind = 'first_milestone_readiness'), sign * coalesce(sum(e.value) FILTER (WHERE e.kind = 'first_milestone_readiness'), 0),
         sign * count(*) FILTER (WHERE e.kind = 'clarification_requests'), sign * coalesce(sum(e.value) FILTER (WHERE e.kind = 'clarification_requests'), 0),
         sign * count(*) FILTER (WHERE e.kind = 'missing_context_return'), sign * coalesce(sum(e.value) FILTER (WHERE e.kind = 'missing_context_return'), 0),
         sign * count(*) FILTER (WHERE e.kind = 'accepted'), sign * coalesce(sum(e.value) FILTER (WHERE e.kind = 'accepted'), 0)
    FROM unnest(rows) AS e
   CROSS JOIN LATERAL (VALUES ('all', ''), ('owner', coalesce(e.owner, 'unassigned')), ('month', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM'))) AS g (grouped_by, key)
   GROUP BY 1, 2, 3
  ON CONFLICT (grouped_by, key, handoff_id) DO UPDATE SET
      events = r.events + EXCLUDED.events,
      -- Back to exactly 0 when a kind's last event goes, so no float residue reads as "met".
      n_packet_completion = r.n_packet_completion + EXCLUDED.n_packet_completion,
      sum_packet_completion = CASE WHEN r.n_packet_completion + EXCLUDED.n_packet_completion = 0 THEN 0 ELSE r.sum_packet_completion + EXCLUDED.sum_packet_completion END,
      n_open_questions_before_kickoff = r.n_open_questions_before_kickoff + EXCLUDED.n_open_questions_before_kickoff,
      sum_open_questions_before_kickoff = CASE WHEN r.n_open_questions_before_kickoff + EXCLUDED.n_open_questions_before_kickoff = 0 THEN 0 ELSE r.sum_open_questions_before_kickoff + EXCLUDED.sum_open_questions_before_kickoff END,
      n_kickoff_rework = r.n_kickoff_rework + EXCLUDED.n_kickoff_rework,
      sum_kickoff_rework = CASE WHEN r.n_kickoff_rework + EXCLUDED.n_kickoff_rework = 0 THEN 0 ELSE r.sum_kickoff_rework + EXCLUDED.sum_kickoff_rework END,
      n_expectation_gaps = r.n_expectation_gaps + EXCLUDED.n_expectation_gaps,
      sum_expectation_gaps = CASE WHEN r.n_expectation_gaps + EXCLUDED.n_expectation_gaps = 0 THEN 0 ELSE r.sum_expectation_gaps + EXCLUDED.sum_expectation_gaps END,
      n_first_milestone_readiness = r.n_first_milestone_readiness + EXCLUDED.n_first_milestone_readiness,
      sum_first_milestone_readiness = CASE WHEN r.n_first_milestone_readiness + EXCLUDED.n_first_milestone_readiness = 0 THEN 0 ELSE r.sum_first_milestone_readiness + EXCLUDED.sum_first_milestone_readiness END,
      n_clarification_requests = r.n_clarification_requests + EXCLUDED.n_clarification_requests,
      sum_clarification_requests = CASE WHEN r.n_clarification_requests + EXCLUDED.n_clarification_requests = 0 THEN 0 ELSE r.sum_clarification_requests + EXCLUDED.sum_clarification_requests END,
      n_missing_context_return = r.n_missing_context_return + EXCLUDED.n_missing_context_return,
      sum_missing_context_return = CASE WHEN r.n_missing_context_return + EXCLUDED.n_missing_context_return = 0 THEN 0 ELSE r.sum_missing_context_return + EXCLUDED.sum_missing_context_return END,
      n_accepted = r.n_accepted + EXCLUDED.n_accepted,
      sum_accepted = CASE WHEN r.n_accepted + EXCLUDED.n_accepted = 0 THEN 0 ELSE r.sum_accepted + EXCLUDED.sum_accepted END;
  IF sign < 0 THEN
    -- The rows just emptied, found by their key.
    DELETE FROM measurement_contributions c
     USING (SELECT DISTINCT g.grouped_by, g.key, e.handoff_id FROM unnest(rows) AS e CROSS JOIN LATERAL
              (VALUES ('all', ''), ('owner', coalesce(e.owner, 'unassigned')), ('month', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM'))) AS g (grouped_by, key)) d
     WHERE (c.grouped_by, c.key, c.handoff_id) = (d.grouped_by, d.key, d.handoff_id) AND c.events <= 0;
  END IF;
END $$;

-- Transition tables are allowed only on single-event triggers: one function and trigger each.
CREATE FUNCTION measurement_contributions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM measurement_contributions_add(ARRAY(SELECT n::measurement_events FROM new_rows n), 1);
  RETURN NULL;
END $$;
CREATE FUNCTION measurement_contributions_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM measurement_contributions_add(ARRAY(SELECT o::measurement_events FROM old_rows o), -1);
  RETURN NULL;
END $$;
CREATE FUNCTION measurement_contributions_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM measurement_contributions_add(ARRAY(SELECT o::measurement_events FROM old_rows o), -1);
  PERFORM measurement_contributions_add(ARRAY(SELECT n::measurement_events FROM new_rows n), 1);
  RETURN NULL;
END $$;
CREATE FUNCTION measurement_contributions_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE measurement_contributions;
  RETURN NULL;
END $$;

CREATE TRIGGER measurement_contributions_inserted AFTER INSERT ON measurement_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION measurement_contributions_inserted();
CREATE TRIGGER measurement_contributions_deleted AFTER DELETE ON measurement_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION measurement_contributions_deleted();
CREATE TRIGGER measurement_contributions_updated AFTER UPDATE ON measurement_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION measurement_contributions_updated();
CREATE TRIGGER measurement_contributions_truncated AFTER TRUNCATE ON measurement_events
  FOR EACH STATEMENT EXECUTE FUNCTION measurement_contributions_truncated();

-- The events written before this migration.
INSERT INTO measurement_contributions (grouped_by, key, handoff_id, events, n_packet_completion, sum_packet_completion, n_open_questions_before_kickoff, sum_open_questions_before_kickoff, n_kickoff_rework, sum_kickoff_rework, n_expectation_gaps, sum_expectation_gaps, n_first_milestone_readiness, sum_first_milestone_readiness, n_clarification_requests, sum_clarification_requests, n_missing_context_return, sum_missing_context_return, n_accepted, sum_accepted)
SELECT g.grouped_by, g.key, e.handoff_id, count(*),
       count(*) FILTER (WHERE e.kind = 'packet_completion'), coalesce(sum(e.value) FILTER (WHERE e.kind = 'packet_completion'), 0),
       count(*) FILTER (WHERE e.kind = 'open_questions_before_kickoff'), coalesce(sum(e.value) FILTER (WHERE e.kind = 'open_questions_before_kickoff'), 0),
       count(*) FILTER (WHERE e.kind = 'kickoff_rework'), coalesce(sum(e.value) FILTER (WHERE e.kind = 'kickoff_rework'), 0),
       count(*) FILTER (WHERE e.kind = 'expectation_gaps'), coalesce(sum(e.value) FILTER (WHERE e.kind = 'expectation_gaps'), 0),
       count(*) FILTER (WHERE e.kind = 'first_milestone_readiness'), coalesce(sum(e.value) FILTER (WHERE e.kind = 'first_milestone_readiness'), 0),
       count(*) FILTER (WHERE e.kind = 'clarification_requests'), coalesce(sum(e.value) FILTER (WHERE e.kind = 'clarification_requests'), 0),
       count(*) FILTER (WHERE e.kind = 'missing_context_return'), coalesce(sum(e.value) FILTER (WHERE e.kind = 'missing_context_return'), 0),
       count(*) FILTER (WHERE e.kind = 'accepted'), coalesce(sum(e.value) FILTER (WHERE e.kind = 'accepted'), 0)
  FROM measurement_events e
 CROSS JOIN LATERAL (VALUES ('all', ''), ('owner', coalesce(e.owner, 'unassigned')), ('month', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM'))) AS g (grouped_by, key)
 GROUP BY 1, 2, 3;

-- A summary over a date range aggregates the events of the range.
CREATE INDEX measurement_events_at_idx ON measurement_events (at);

-- Down Migration
DROP INDEX measurement_events_at_idx;
DROP TRIGGER measurement_contributions_truncated ON measurement_events;
DROP TRIGGER measurement_contributions_updated ON measurement_events;
DROP TRIGGER measurement_contributions_deleted ON measurement_events;
DROP TRIGGER measurement_contributions_inserted ON measurement_events;
DROP FUNCTION measurement_contributions_truncated();
DROP FUNCTION measurement_contributions_updated();
DROP FUNCTION measurement_contributions_deleted();
DROP FUNCTION measurement_contributions_inserted();
DROP FUNCTION measurement_contributions_add(measurement_events[], integer);
DROP TABLE measurement_contributions;
