-- Up Migration

-- Sign-in for people in a browser. A login link carries a one-time token (stored only as its
-- sha256) that becomes a session when used; the session id in the cookie is stored only as its
-- sha256 too, so a database leak yields neither a usable link nor a usable session.
CREATE TABLE login_links (
  token_hash   text PRIMARY KEY,
  principal_id text NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);
CREATE INDEX login_links_expires_at ON login_links (expires_at);

-- expires_at slides with use (idle limit) but never past created_at + the absolute limit.
-- The csrf token is not a credential on its own: a write needs it and the cookie together.
CREATE TABLE sessions (
  id_hash      text PRIMARY KEY,
  principal_id text NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_principal_id ON sessions (principal_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Down Migration
DROP TABLE sessions;
DROP TABLE login_links;
