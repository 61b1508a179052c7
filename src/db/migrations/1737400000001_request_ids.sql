-- Up Migration

-- Which request each requestId was first used for, per principal. The API sends it to Temporal as
-- the update id, and Temporal answers a repeated update id with the first update's result without
-- running it: the same id with another target or body would silently do nothing. Kept for good, as
-- Temporal keeps an update id for the life of the handoff.
CREATE TABLE request_ids (
  principal_id  text NOT NULL,
  request_id    text NOT NULL,
  method        text NOT NULL,
  path          text NOT NULL,
  request_hash  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal_id, request_id)
);

-- Down Migration
DROP TABLE request_ids;
