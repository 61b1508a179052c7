import { Pool } from 'pg';

export type { Pool } from 'pg';

export function createPool(databaseUrl: string): Pool {
  // Small pool: the worker and the API each hold one; Postgres does the heavy lifting.
  return new Pool({ connectionString: databaseUrl, max: 10, idleTimeoutMillis: 30_000 });
}
