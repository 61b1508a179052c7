-- Up Migration

-- First answers to POSTs sent with an Idempotency-Key: a replay (same principal, same key) gets the
-- stored answer; the same key with another request is refused. status is NULL while in flight.
CREATE TABLE idempotency_keys (
  principal_id  text NOT NULL,
  key           text NOT NULL,
  method        text NOT NULL,
  path          text NOT NULL,
  request_hash  text NOT NULL,
  status        integer,
  content_type  text,
  location      text,
  body          jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz,
  PRIMARY KEY (principal_id, key)
);
-- For pruning old keys.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Down Migration
DROP TABLE idempotency_keys;
