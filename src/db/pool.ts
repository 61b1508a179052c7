import { Pool } from 'pg';

export type { Pool } from 'pg';

/** How long a query waits for a pooled connection (or a new one to open). */
export const POOL_CONNECT_TIMEOUT_MS = 5_000;

export function createPool(databaseUrl: string): Pool {
  // Small pool: the worker and the API each hold one; Postgres does the heavy lifting. A caller
  // that cannot get a connection in time fails (503 in the API, a retry in an activity) instead
  // of waiting forever behind an exhausted pool.
  const pool = new Pool({ connectionString: databaseUrl, max: 10, idleTimeoutMillis: 30_000, connectionTimeoutMillis: POOL_CONNECT_TIMEOUT_MS });
  // An idle client losing its server (a restart, shutdown on Ctrl-C) must not crash the process;
  // the next query gets a fresh connection or a proper error.
  pool.on('error', (err) => console.error(`postgres: idle connection lost: ${err.message}`));
  return pool;
}

/** One round trip to Postgres: readiness checks. */
export async function ping(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}

/**
 * Postgres is out of reach for now (no pooled connection in time, the server refusing or restarting,
 * too many connections): the caller should try again shortly, not be told it did something wrong.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { message?: unknown; code?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (/timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(message)) return true;
  // SQLSTATE classes 08 (connection exception) and 57P (operator intervention), and 53300 (too many connections).
  return typeof e?.code === 'string' && (/^08|^57P/.test(e.code) || e.code === '53300' || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET');
}
