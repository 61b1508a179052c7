import type { Pool } from 'pg';

// idempotency_keys: the first answer to a POST sent with an Idempotency-Key, per principal
// (migration 1735000000000). status is NULL while the first request is in flight. The middleware
// that uses it is src/api/idempotency.ts.

export interface KeyedRequest {
  principalId: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
}

export interface StoredAnswer {
  requestHash: string;
  /** null while the first request is in flight. */
  status: number | null;
  contentType: string | null;
  location: string | null;
  body: unknown;
}

/** Intervals are constants of the caller, never user input: they are spliced into the SQL. */
const INTERVAL = /^\d+ (minutes|hours|days)$/;
const interval = (text: string) => {
  if (!INTERVAL.test(text)) throw new Error(`not an interval: ${text}`);
  return text;
};

/** Deletes keys older than keepFor (e.g. '24 hours'). */
export async function pruneIdempotencyKeys(pool: Pool, keepFor: string): Promise<void> {
  await pool.query(`DELETE FROM idempotency_keys WHERE created_at < now() - interval '${interval(keepFor)}'`);
}

/**
 * Claims the key for this request: true when it is new, or when its earlier request was left in
 * flight longer than abandonedAfter (a crashed instance) and this request takes it over.
 */
export async function claimIdempotencyKey(pool: Pool, request: KeyedRequest, abandonedAfter: string): Promise<boolean> {
  const claimed = await pool.query(
    `INSERT INTO idempotency_keys (principal_id, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, method = EXCLUDED.method,
       path = EXCLUDED.path, created_at = now()
       WHERE idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - interval '${interval(abandonedAfter)}'
     RETURNING key`,
    [request.principalId, request.key, request.method, request.path, request.requestHash],
  );
  return claimed.rowCount === 1;
}

/** What the key holds: the first request's hash and, once it was answered, its answer. */
export async function readIdempotentAnswer(pool: Pool, principalId: string, key: string): Promise<StoredAnswer | undefined> {
  const { rows } = await pool.query<{ request_hash: string; status: number | null; content_type: string | null; location: string | null; body: unknown }>(
    'SELECT request_hash, status, content_type, location, body FROM idempotency_keys WHERE principal_id = $1 AND key = $2',
    [principalId, key],
  );
  const row = rows[0];
  return row && { requestHash: row.request_hash, status: row.status, contentType: row.content_type, location: row.location, body: row.body };
}

/** Frees a key whose request is still in flight (its answer was a server fault: a retry runs again). */
export async function releaseIdempotencyKey(pool: Pool, principalId: string, key: string): Promise<void> {
  await pool.query('DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND status IS NULL', [principalId, key]);
}

/** Keeps the first answer; body is JSON text the caller made storable (jsonb refuses NUL and lone surrogates). */
export async function storeIdempotentAnswer(
  pool: Pool,
  principalId: string,
  key: string,
  answer: { status: number; contentType: string; location: string | null; bodyJson: string },
): Promise<void> {
  await pool.query(
    `UPDATE idempotency_keys SET status = $3, content_type = $4, location = $5, body = $6, completed_at = now()
      WHERE principal_id = $1 AND key = $2`,
    [principalId, key, answer.status, answer.contentType, answer.location, answer.bodyJson],
  );
}
