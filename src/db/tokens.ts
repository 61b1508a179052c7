import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Actor, Role } from '../domain/review';

// API tokens are random and stored only as sha256 hashes: a database leak reveals no usable token.

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function upsertPrincipal(pool: Pool, principal: { id: string; name: string; roles: Role[] }): Promise<void> {
  await pool.query(
    `INSERT INTO principals (id, name, roles) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles`,
    [principal.id, principal.name, principal.roles],
  );
}

/**
 * Creates a token for the principal and returns it: the only time it is ever shown. `demo`: one of
 * the tokens `npm start` prints, revoked by the next start (revokeDemoTokens).
 */
export async function createToken(pool: Pool, principal: { id: string; name: string; roles: Role[] }, opts: { demo?: boolean } = {}): Promise<string> {
  await upsertPrincipal(pool, principal);
  const token = `hnd_${randomBytes(24).toString('base64url')}`;
  await pool.query('INSERT INTO api_tokens (token_hash, principal_id, demo) VALUES ($1, $2, $3)', [hashToken(token), principal.id, opts.demo ?? false]);
  return token;
}

/** Revokes every live demo token (those an earlier `npm start` printed); returns how many. */
export async function revokeDemoTokens(pool: Pool): Promise<number> {
  const { rowCount } = await pool.query('UPDATE api_tokens SET revoked_at = now() WHERE demo AND revoked_at IS NULL');
  return rowCount ?? 0;
}

export async function actorForToken(pool: Pool, token: string): Promise<Actor | undefined> {
  const { rows } = await pool.query<{ id: string; roles: Role[] }>(
    `SELECT p.id, p.roles FROM api_tokens t JOIN principals p ON p.id = t.principal_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
    [hashToken(token)],
  );
  return rows[0] ? { id: rows[0].id, roles: rows[0].roles } : undefined;
}

/** Revokes every live token of the principal (someone left, a token leaked); returns how many. */
export async function revokeTokens(pool: Pool, principalId: string): Promise<number> {
  const { rowCount } = await pool.query('UPDATE api_tokens SET revoked_at = now() WHERE principal_id = $1 AND revoked_at IS NULL', [principalId]);
  return rowCount ?? 0;
}
