import { Pool } from 'pg';

export type { Pool } from 'pg';

export function createPool(databaseUrl: string): Pool {
  // Small pool: the worker and the API each hold one; Postgres does the heavy lifting.
  const pool = new Pool({ connectionString: databaseUrl, max: 10, idleTimeoutMillis: 30_000 });
  // An idle client losing its server (a restart, shutdown on Ctrl-C) must not crash the process;
  // the next query gets a fresh connection or a proper error.
  pool.on('error', (err) => console.error(`postgres: idle connection lost: ${err.message}`));
  return pool;
}
