import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import pg from 'pg';
import YAML from 'yaml';
import { handoffSearchAttributeTypes } from './search-attributes';
import { assertPortFree } from './free-port';
import { ensureTemporalServerTools, temporalServerModuleDir } from './temporal-server-build';

// A real Temporal server (frontend, history, matching and worker services in one process) on
// PostgreSQL, as a self-hosted cluster runs it. Its schemas come from the server module's own
// versioned folders through its SQL tool; its config is the module's development-postgres12.yaml
// with this machine's database, ports and files. Everything it writes lives in one data folder,
// so a second start on the same folder and database finds its workflows again.

const run = promisify(execFile);

export interface SqlTemporalOptions {
  /** Holds config/, dynamic config, the chosen ports and the server's log. */
  dataDir: string;
  /** Any database on the PostgreSQL server to use; Temporal's own databases are created beside it. */
  databaseUrl: string;
  /** Frontend gRPC port; default: the one of the previous start on this folder, else a free one. */
  port?: number;
  namespace?: string;
  /** Temporal's two databases: `<prefix>` and `<prefix>_visibility`. */
  databasePrefix?: string;
}

export interface SqlTemporalServer {
  address: string;
  namespace: string;
  pid: number;
  ports: ServerPorts;
  logFile: string;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts the server again with the same config, ports and database (after kill or stop). */
  restart(): Promise<void>;
}

interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  metrics: number;
  /** Ringpop membership ports: the cluster_membership table stores them as smallint. */
  membership: { frontend: number; history: number; matching: number; worker: number };
}

const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;

export async function startSqlTemporalServer(opts: SqlTemporalOptions): Promise<SqlTemporalServer> {
  const tools = ensureTemporalServerTools();
  const moduleDir = temporalServerModuleDir();
  const namespace = opts.namespace ?? 'default';
  const prefix = opts.databasePrefix ?? 'temporal';
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(path.join(dataDir, 'config'), { recursive: true });
  const db = new URL(opts.databaseUrl);
  const databases = { default: prefix, visibility: `${prefix}_visibility` };

  await createDatabases(opts.databaseUrl, Object.values(databases));
  for (const [store, name] of [['temporal', databases.default], ['visibility', databases.visibility]] as const) {
    await setupSchema(tools.sqlTool, db, name, path.join(moduleDir, 'schema', 'postgresql', 'v12', store, 'versioned'));
  }

  const ports = await choosePorts(dataDir, opts.port);
  const dynamicConfigFile = path.join(dataDir, 'dynamicconfig.yaml');
  fs.writeFileSync(dynamicConfigFile, YAML.stringify(dynamicConfig()));
  const template = YAML.parse(fs.readFileSync(path.join(moduleDir, 'config', 'development-postgres12.yaml'), 'utf8'));
  fs.writeFileSync(path.join(dataDir, 'config', 'cluster.yaml'), renderConfig(serverConfig(template, { db, databases, ports, dynamicConfigFile, dataDir })));

  const logFile = path.join(dataDir, 'temporal-server.log');
  const address = `127.0.0.1:${ports.frontend}`;
  let child: ChildProcess;
  let exited: Promise<void>;
  const spawnServer = async () => {
    await assertPortFree(ports.frontend, 'Temporal server frontend (gRPC)');
    const offset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const out = fs.openSync(logFile, 'a');
    child = spawn(tools.server, ['--root', dataDir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], {
      stdio: ['ignore', out, out],
      // Its own process group: a terminal's Ctrl-C reaches the launcher only, which stops the parts in order.
      detached: true,
      env: { ...process.env, [PASSWORD_ENV]: decodeURIComponent(db.password) },
    });
    fs.closeSync(out);
    const self = child;
    exited = new Promise((resolve) => self.once('exit', () => resolve()));
    // Last resort when this process exits without stopping it: no orphan keeps the ports.
    const killOnExit = () => self.kill('SIGKILL');
    process.on('exit', killOnExit);
    void exited.then(() => process.removeListener('exit', killOnExit));
    await waitUntilServing(address, namespace, self, () => readFrom(logFile, offset));
  };
  const stopChild = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await spawnServer();
  try {
    await registerNamespace(address, namespace);
  } catch (err) {
    await stopChild('SIGKILL');
    throw err;
  }
  return {
    address,
    namespace,
    get pid() {
      return child.pid!;
    },
    ports,
    logFile,
    stop: () => stopChild('SIGTERM'),
    kill: () => stopChild('SIGKILL'),
    restart: async () => {
      await stopChild('SIGKILL');
      await spawnServer();
      await waitForNamespace(address, namespace);
    },
  };
}

async function createDatabases(databaseUrl: string, names: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const name of names) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    }
  } finally {
    await client.end();
  }
}

/**
 * `setup-schema -v 0.0` makes the version tables (IF NOT EXISTS) and `update-schema -d` applies every
 * versioned step above the database's own version: both are no-ops on a database already current.
 */
async function setupSchema(sqlTool: string, db: URL, database: string, versionedDir: string): Promise<void> {
  const connection = [
    '--plugin', 'postgres12',
    '--ep', db.hostname,
    '-p', db.port || '5432',
    '-u', decodeURIComponent(db.username),
    '--db', database,
  ];
  // The password goes through the environment, not the command line that `ps` shows.
  const env = { ...process.env, SQL_PASSWORD: decodeURIComponent(db.password) };
  for (const step of [['setup-schema', '-v', '0.0'], ['update-schema', '-d', versionedDir]]) {
    try {
      await run(sqlTool, [...connection, ...step], { env, maxBuffer: 16 * 2 ** 20 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`temporal-sql-tool ${step[0]} on ${database} failed: ${(e.stderr || e.stdout || e.message).trim().slice(-2000)}`);
    }
  }
}

/**
 * The previous start's ports when they are still free (a restart keeps its address and its
 * membership rows), else fresh ones. Membership ports stay below 32768: they are stored as smallint.
 */
async function choosePorts(dataDir: string, frontend?: number): Promise<ServerPorts> {
  const file = path.join(dataDir, 'ports.json');
  const previous: ServerPorts | undefined = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
  const taken = new Set<number>();
  const pick = async (wanted: number | undefined, below = 32768): Promise<number> => {
    if (wanted && !taken.has(wanted) && (await isFree(wanted))) {
      taken.add(wanted);
      return wanted;
    }
    for (;;) {
      const port = 10_000 + Math.floor(Math.random() * (below - 10_000));
      if (!taken.has(port) && (await isFree(port))) {
        taken.add(port);
        return port;
      }
    }
  };
  if (frontend !== undefined) {
    await assertPortFree(frontend, 'Temporal server frontend (gRPC)');
    taken.add(frontend);
  }
  const ports: ServerPorts = {
    frontend: frontend ?? (await pick(previous?.frontend)),
    frontendHttp: await pick(previous?.frontendHttp),
    history: await pick(previous?.history),
    matching: await pick(previous?.matching),
    worker: await pick(previous?.worker),
    metrics: await pick(previous?.metrics),
    membership: {
      frontend: await pick(previous?.membership.frontend),
      history: await pick(previous?.membership.history),
      matching: await pick(previous?.membership.matching),
      worker: await pick(previous?.membership.worker),
    },
  };
  fs.writeFileSync(file, JSON.stringify(ports, null, 2));
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function dynamicConfig(): Record<string, unknown> {
  const value = (v: unknown) => [{ value: v, constraints: {} }];
  return {
    'limit.maxIDLength': value(255),
    // A search attribute registered a moment ago is usable at once (the cluster registers them at start).
    'system.forceSearchAttributesCacheRefreshOnRead': value(true),
    // A namespace registered at start is seen by every service within a second, not ten.
    'system.namespaceCacheRefreshInterval': value('1s'),
    'frontend.enableUpdateWorkflowExecution': value(true),
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': value(true),
  };
}

interface ConfigInputs {
  db: URL;
  databases: { default: string; visibility: string };
  ports: ServerPorts;
  dynamicConfigFile: string;
  dataDir: string;
}

/** development-postgres12.yaml with this database, these ports and files, and no archival. */
function serverConfig(template: any, { db, databases, ports, dynamicConfigFile }: ConfigInputs): unknown {
  const config = structuredClone(template);
  config.log = { stdout: true, level: process.env.TEMPORAL_SERVER_LOG_LEVEL ?? 'warn' };
  for (const [store, name] of [['postgres-default', databases.default], ['postgres-visibility', databases.visibility]] as const) {
    const sql = config.persistence.datastores[store].sql;
    Object.assign(sql, {
      pluginName: 'postgres12',
      databaseName: name,
      connectAddr: `${db.hostname}:${db.port || '5432'}`,
      user: decodeURIComponent(db.username),
      password: PASSWORD_PLACEHOLDER,
      // Each of the four services holds its own pools: 4 × (6 + 2) connections at most, which leaves
      // room under PostgreSQL's default max_connections (100) for Handoff's workers and APIs (10 each).
      ...(store === 'postgres-default' ? { maxConns: 6, maxIdleConns: 6 } : { maxConns: 2, maxIdleConns: 2 }),
    });
  }
  // The history shard count is fixed when the database is first used; the template's 4 stays.
  delete config.global.pprof;
  config.global.metrics.prometheus.listenAddress = `127.0.0.1:${ports.metrics}`;
  const grpc = { frontend: ports.frontend, history: ports.history, matching: ports.matching, worker: ports.worker };
  for (const service of SERVICES) {
    config.services[service].rpc = {
      ...config.services[service].rpc,
      grpcPort: grpc[service],
      membershipPort: ports.membership[service],
      bindOnLocalHost: true,
      ...(service === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
    };
  }
  config.clusterMetadata.clusterInformation.active.rpcAddress = `127.0.0.1:${ports.frontend}`;
  // Archival would write under /tmp from every run; this cluster has no use for it.
  config.archival = { history: { state: 'disabled' }, visibility: { state: 'disabled' } };
  delete config.namespaceDefaults;
  config.dynamicConfigClient = { filepath: dynamicConfigFile, pollInterval: '10s' };
  return config;
}

const PASSWORD_ENV = 'TEMPORAL_SQL_PASSWORD';
const PASSWORD_PLACEHOLDER = '__TEMPORAL_SQL_PASSWORD__';

/**
 * The database password stays out of the file: the server renders configs marked enable-template
 * (Go templates with sprig), so the file reads it from the environment the launcher gives the server.
 */
function renderConfig(config: unknown): string {
  const text = YAML.stringify(config).replaceAll(PASSWORD_PLACEHOLDER, `{{ env "${PASSWORD_ENV}" | toJson }}`);
  return `# enable-template: the database password comes from ${PASSWORD_ENV}\n${text}`;
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString('utf8').slice(-6000).trim();
  } catch {
    return '';
  }
}

async function waitUntilServing(address: string, namespace: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  let lastError: unknown;
  while (Date.now() < deadline && !gone()) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        // The frontend answers before history shards are owned: a visibility read through a namespace
        // (or the namespace's absence) shows the whole server is up.
        await connection.workflowService.describeNamespace({ namespace }).catch((err: { code?: number }) => {
          if (err.code !== 5) throw err; // NOT_FOUND: a first start registers it next
        });
        if (!gone()) return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const why = gone() ? `it exited (code ${child.exitCode}${child.signalCode ? `, ${child.signalCode}` : ''})` : `no answer in 120 s: ${String(lastError)}`;
  child.kill('SIGKILL');
  const text = log();
  throw new Error(`Temporal server on ${address} did not start: ${why}${text ? `\n--- its log ---\n${text}` : ''}`);
}

const { IndexedValueType } = temporal.api.enums.v1;
const valueTypes: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
};

/** The namespace and the handoff search attributes, each only if missing (a second start changes nothing). */
async function registerNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
    } catch (err) {
      if ((err as { code?: number }).code !== 6) throw err; // ALREADY_EXISTS
    }
    await waitForNamespace(address, namespace, connection);
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.fromEntries(
      Object.entries(handoffSearchAttributeTypes)
        .filter(([name]) => !customAttributes?.[name])
        .map(([name, type]) => [name, valueTypes[type]]),
    );
    if (Object.keys(missing).length) await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    // Visibility answers a query on every attribute: workers and APIs may start.
    await retry(() => connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query: "HandoffStage = 'x' AND DealId = 'x'" }), 30_000);
  } finally {
    await connection.close();
  }
}

async function waitForNamespace(address: string, namespace: string, existing?: Connection): Promise<void> {
  const connection = existing ?? (await Connection.connect({ address }));
  try {
    await retry(() => connection.workflowService.describeNamespace({ namespace }), 30_000);
    // Namespace-scoped reads go through the history and visibility paths, not only the frontend.
    await retry(() => connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }), 30_000);
  } finally {
    if (!existing) await connection.close();
  }
}

async function retry<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
