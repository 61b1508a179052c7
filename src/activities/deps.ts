import type { Pool } from 'pg';
import type { Config } from '../config';

/** What every activity factory is built from: injected by worker.ts and by tests. */
export interface ActivityDeps {
  pool: Pool;
  config: Config;
}
