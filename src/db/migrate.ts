import path from 'node:path';

const migrationsDir = path.join(__dirname, 'migrations');

/** Applies the SQL migrations in src/db/migrations; safe to run at every start (advisory-locked). */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => undefined): Promise<string[]> {
  // node-pg-migrate 9 is ESM-only: load it with a native dynamic import.
  const { runner } = await import('node-pg-migrate');
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    log,
    singleTransaction: true,
    advisoryLockMode: 'wait',
  });
  return applied.map((m) => m.name);
}
