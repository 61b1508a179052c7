import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Role } from '../domain/review';

// Login links and browser sessions. Both secrets (the link's token, the cookie's session id) are
// random and stored only as sha256 hashes, as API tokens are (src/db/tokens.ts).

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Idle and absolute limits of a session, in seconds (config SESSION_IDLE_TIMEOUT_S / SESSION_ABSOLUTE_TIMEOUT_S). */
export interface SessionLimits {
  idleS: number;
  absoluteS: number;
}

export interface SessionPrincipal {
  id: string;
  name: string;
  roles: Role[];
}

export interface Session {
  principal: SessionPrincipal;
  csrfToken: string;
  expiresAt: Date;
}

/** A session's last_seen_at is written at most this often, so reads do not each cost a row write. */
const TOUCH_EVERY_S = 60;

/**
 * A one-time sign-in token for an existing principal, valid for `ttlS` seconds, or undefined when
 * no such principal exists. Returned only now: the table keeps its hash.
 */
export async function createLoginLink(pool: Pool, principalId: string, ttlS: number): Promise<{ token: string; expiresAt: Date } | undefined> {
  const token = `hlk_${randomBytes(32).toString('base64url')}`;
  const { rows } = await pool.query<{ expires_at: Date }>(
    `INSERT INTO login_links (token_hash, principal_id, expires_at)
     SELECT $1, id, now() + make_interval(secs => $3) FROM principals WHERE id = $2
     RETURNING expires_at`,
    [hashSecret(token), principalId, ttlS],
  );
  return rows[0] ? { token, expiresAt: rows[0].expires_at } : undefined;
}

/**
 * Uses a login link and opens a session in one statement: a link works once, before it expires,
 * even when two requests race with it. Returns the new session id (the cookie value), or undefined
 * when the link is unknown, used or expired.
 */
export async function consumeLoginLink(pool: Pool, token: string, limits: SessionLimits): Promise<{ sessionId: string; session: Session } | undefined> {
  const sessionId = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const { rows } = await pool.query<{ principal_id: string; name: string; roles: Role[]; expires_at: Date }>(
    `WITH link AS (
       UPDATE login_links SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING principal_id
     ), opened AS (
       INSERT INTO sessions (id_hash, principal_id, csrf_token, expires_at)
       SELECT $2, principal_id, $3, now() + make_interval(secs => LEAST($4::float8, $5::float8)) FROM link
       RETURNING principal_id, expires_at
     )
     SELECT o.principal_id, p.name, p.roles, o.expires_at FROM opened o JOIN principals p ON p.id = o.principal_id`,
    [hashSecret(token), hashSecret(sessionId), csrfToken, limits.idleS, limits.absoluteS],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { sessionId, session: { principal: { id: row.principal_id, name: row.name, roles: row.roles }, csrfToken, expiresAt: row.expires_at } };
}

/**
 * The live session of a cookie's session id, its expiry slid forward (never past the absolute
 * limit), or undefined when unknown or expired.
 */
export async function sessionFor(pool: Pool, sessionId: string, limits: SessionLimits): Promise<Session | undefined> {
  const { rows } = await pool.query<{ principal_id: string; name: string; roles: Role[]; csrf_token: string; expires_at: Date; stale: boolean }>(
    `SELECT s.principal_id, p.name, p.roles, s.csrf_token, s.expires_at,
            s.last_seen_at < now() - make_interval(secs => $3) AS stale
     FROM sessions s JOIN principals p ON p.id = s.principal_id
     WHERE s.id_hash = $1 AND s.expires_at > now() AND s.created_at + make_interval(secs => $2) > now()`,
    [hashSecret(sessionId), limits.absoluteS, TOUCH_EVERY_S],
  );
  const row = rows[0];
  if (!row) return undefined;
  let expiresAt = row.expires_at;
  if (row.stale) {
    const touched = await pool.query<{ expires_at: Date }>(
      `UPDATE sessions SET last_seen_at = now(),
         expires_at = LEAST(now() + make_interval(secs => $2), created_at + make_interval(secs => $3))
       WHERE id_hash = $1 RETURNING expires_at`,
      [hashSecret(sessionId), limits.idleS, limits.absoluteS],
    );
    expiresAt = touched.rows[0]?.expires_at ?? expiresAt;
  }
  return { principal: { id: row.principal_id, name: row.name, roles: row.roles }, csrfToken: row.csrf_token, expiresAt };
}

/** Ends a session (sign-out); true when there was one. */
export async function deleteSession(pool: Pool, sessionId: string): Promise<boolean> {
  const { rowCount } = await pool.query('DELETE FROM sessions WHERE id_hash = $1', [hashSecret(sessionId)]);
  return (rowCount ?? 0) > 0;
}

/** Signs a principal out everywhere and voids their unused links (someone left); returns the sessions ended. */
export async function endSessionsOf(pool: Pool, principalId: string): Promise<number> {
  await pool.query('UPDATE login_links SET expires_at = least(expires_at, now()) WHERE principal_id = $1 AND used_at IS NULL', [principalId]);
  const { rowCount } = await pool.query('DELETE FROM sessions WHERE principal_id = $1', [principalId]);
  return rowCount ?? 0;
}

/** Drops expired sessions, and login links a day after they expired (a day of trail for support questions). */
export async function pruneSessions(pool: Pool, absoluteS: number): Promise<void> {
  await pool.query(`DELETE FROM sessions WHERE expires_at < now() OR created_at + make_interval(secs => $1) < now()`, [absoluteS]);
  await pool.query(`DELETE FROM login_links WHERE expires_at < now() - interval '1 day'`);
}
