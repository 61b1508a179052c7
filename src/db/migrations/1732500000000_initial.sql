-- Up Migration

-- The list/search projection of each handoff and its system-of-record record.
CREATE TABLE handoffs (
  handoff_id      text PRIMARY KEY,
  deal_id         text NOT NULL,
  customer_name   text NOT NULL,
  stage           text NOT NULL,
  handoff_owner   text,
  sales_owner     text,
  implementation_owner text,
  kickoff_target  date,
  bundle_hash     text NOT NULL,
  packet_version  integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handoffs_stage_idx ON handoffs (stage);
CREATE INDEX handoffs_customer_idx ON handoffs (lower(customer_name));

-- Content-addressed evidence: the workflow carries only ids and hashes.
CREATE TABLE evidence_documents (
  sha256      text PRIMARY KEY,
  text        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Intake bundles with document texts replaced by their hashes.
CREATE TABLE intake_bundles (
  bundle_hash text PRIMARY KEY,
  deal_id     text NOT NULL,
  body        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE packets (
  handoff_id  text NOT NULL,
  version     integer NOT NULL,
  hash        text NOT NULL,
  drafted_by  text NOT NULL,
  body        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (handoff_id, version)
);

-- Audit of every reviewer action; request_id makes a retried write a no-op.
CREATE TABLE review_decisions (
  request_id  text PRIMARY KEY,
  handoff_id  text NOT NULL,
  item_id     text NOT NULL,
  kind        text NOT NULL,
  principal_id text NOT NULL,
  decision    text NOT NULL,
  comment     text,
  packet_version integer,
  decided_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_decisions_handoff_idx ON review_decisions (handoff_id);

-- Outbox of reminders, escalations and releases; dedupe_key makes each send idempotent.
CREATE TABLE notifications (
  id          bigserial PRIMARY KEY,
  dedupe_key  text NOT NULL UNIQUE,
  handoff_id  text NOT NULL,
  kind        text NOT NULL,
  recipient   text NOT NULL,
  body        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);

-- The system-of-record entry for a released kickoff, one per handoff and packet version.
CREATE TABLE kickoff_releases (
  handoff_id     text NOT NULL,
  packet_version integer NOT NULL,
  packet_hash    text NOT NULL,
  system         text,
  record_id      text,
  agenda         jsonb NOT NULL,
  customer_email text NOT NULL,
  released_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (handoff_id, packet_version)
);

CREATE TABLE measurement_events (
  key         text PRIMARY KEY,
  handoff_id  text NOT NULL,
  deal_id     text NOT NULL,
  kind        text NOT NULL,
  value       double precision NOT NULL,
  owner       text,
  detail      jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL
);
CREATE INDEX measurement_events_kind_idx ON measurement_events (kind, at);

CREATE TABLE principals (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  roles       text[] NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Tokens are stored as sha256 hashes only.
CREATE TABLE api_tokens (
  token_hash   text PRIMARY KEY,
  principal_id text NOT NULL REFERENCES principals (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);

-- Down Migration
DROP TABLE api_tokens;
DROP TABLE principals;
DROP TABLE measurement_events;
DROP TABLE kickoff_releases;
DROP TABLE notifications;
DROP TABLE review_decisions;
DROP TABLE packets;
DROP TABLE intake_bundles;
DROP TABLE evidence_documents;
DROP TABLE handoffs;
