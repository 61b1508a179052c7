-- Up Migration

-- Tokens `npm start` prints for the demo people. Each start revokes the previous start's demo
-- tokens; tokens made with `handoff tokens create` are not demo tokens and stay valid.
ALTER TABLE api_tokens ADD COLUMN demo boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE api_tokens DROP COLUMN demo;
