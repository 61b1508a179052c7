import type { Pool } from 'pg';

// request_ids: which request (method, path, body hash) each requestId was first used for, per
// principal (migration 1737400000001). The API's rule on reuse lives in src/api/request-ids.ts.

export interface RequestUse {
  method: string;
  path: string;
  requestHash: string;
}

/**
 * Claims the requestId for this request. Answers `claimed: true` when this is its first use, else
 * what it was first used for (undefined only if that row vanished meanwhile).
 */
export async function claimRequestIdRow(
  pool: Pool,
  principalId: string,
  requestId: string,
  use: RequestUse,
): Promise<{ claimed: true } | { claimed: false; first: RequestUse | undefined }> {
  const claimed = await pool.query(
    `INSERT INTO request_ids (principal_id, request_id, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (principal_id, request_id) DO NOTHING`,
    [principalId, requestId, use.method, use.path, use.requestHash],
  );
  if (claimed.rowCount === 1) return { claimed: true };
  const { rows } = await pool.query<{ method: string; path: string; request_hash: string }>(
    'SELECT method, path, request_hash FROM request_ids WHERE principal_id = $1 AND request_id = $2',
    [principalId, requestId],
  );
  const first = rows[0];
  return { claimed: false, first: first && { method: first.method, path: first.path, requestHash: first.request_hash } };
}
