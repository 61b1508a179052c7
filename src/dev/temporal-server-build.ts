import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectToolsBin } from './temporal-cli';

// A real Temporal server (not the CLI's dev server) and its SQL schema tool, built from the server's
// own Go module once, like the CLI (src/dev/temporal-cli.ts), and reused. The same module holds the
// PostgreSQL schemas and the sample config the cluster derives its own from.

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`;
/** The Web UI is a server of its own (the version the CLI v1.5.1 embeds); it holds its built assets. */
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';
const MODULES = {
  server: `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`,
  sql: `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
  ui: `github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_SERVER_VERSION}`,
};
/** What the binaries are called here; `go install` names them after their folders (`server`, `sql`). */
const BINARIES = { server: 'temporal-server', sql: 'temporal-sql-tool', ui: 'temporal-ui-server' } as const;
const ENV = { server: 'TEMPORAL_SERVER_BIN', sql: 'TEMPORAL_SQL_TOOL_BIN', ui: 'TEMPORAL_UI_SERVER_BIN' } as const;
// A user-level copy lets fresh clones on the same machine skip even the link step (as for the CLI).
const userCache = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'handoff', `temporal-server-${TEMPORAL_SERVER_VERSION}`);

export interface TemporalServerTools {
  /** The `temporal-server` binary. */
  server: string;
  /** The `temporal-sql-tool` binary. */
  sqlTool: string;
}

type Tool = keyof typeof BINARIES;

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function goBinary(): string | undefined {
  return onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** One tool without building it: its env variable, else PATH, else the project's build (or the user-level copy). */
function findTool(tool: Tool): string | undefined {
  const fromEnv = process.env[ENV[tool]];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`${ENV[tool]}=${fromEnv} does not exist`);
    return path.resolve(fromEnv);
  }
  const found = onPath(BINARIES[tool]);
  if (found) return found;
  const built = path.join(projectToolsBin, BINARIES[tool]);
  if (fs.existsSync(built)) return built;
  const cached = path.join(userCache, BINARIES[tool]);
  if (fs.existsSync(cached)) {
    fs.mkdirSync(projectToolsBin, { recursive: true });
    // Copy then rename: a concurrent start never runs a half-copied binary.
    const partial = `${built}.${process.pid}.partial`;
    fs.copyFileSync(cached, partial);
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, built);
    return built;
  }
  return undefined;
}

export function findTemporalServerTools(): Partial<TemporalServerTools> {
  return { server: findTool('server'), sqlTool: findTool('sql') };
}

/** The Temporal Web UI server (TEMPORAL_UI_SERVER_BIN, PATH, or built once like the server). */
export function ensureTemporalUiServer(log: (msg: string) => void = (m) => console.error(m)): string {
  return findTool('ui') ?? buildTool('ui', log);
}

/** findTemporalServerTools(), building what is missing with `go install` (once, then reused). */
export function ensureTemporalServerTools(log: (msg: string) => void = (m) => console.error(m)): TemporalServerTools {
  const found = findTemporalServerTools();
  for (const tool of ['server', 'sql'] as const) {
    const key = tool === 'server' ? 'server' : 'sqlTool';
    if (found[key]) continue;
    found[key] = buildTool(tool, log);
  }
  return found as TemporalServerTools;
}

function buildTool(tool: Tool, log: (msg: string) => void): string {
  const go = goBinary();
  if (!go) {
    throw new Error(
      `${BINARIES[tool]} is needed and Go is not installed to build it. Install Go 1.24+ (https://go.dev/doc/install), ` +
        `or put ${BINARIES[tool]} on PATH, or set ${ENV[tool]} to its path.`,
    );
  }
  const module = MODULES[tool];
  const target = path.join(projectToolsBin, BINARIES[tool]);
  // Each build links into a folder of its own, then renames: two starts building at once never clash.
  const gobin = path.join(projectToolsBin, `.build-${tool}-${process.pid}`);
  fs.mkdirSync(gobin, { recursive: true });
  log(`building ${BINARIES[tool]} (${module}) into ${projectToolsBin}; first time only, minutes on a cold Go cache…`);
  const started = Date.now();
  try {
    const result = spawnSync(go, ['install', module], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GOBIN: gobin } });
    const output = path.join(gobin, path.basename(module.split('@')[0]));
    if (result.status !== 0 || !fs.existsSync(output)) throw new Error(`go install ${module} failed (exit ${result.status})`);
    fs.renameSync(output, target);
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
  log(`built ${BINARIES[tool]} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  try {
    fs.mkdirSync(userCache, { recursive: true });
    const partial = path.join(userCache, `${BINARIES[tool]}.${process.pid}.partial`);
    fs.copyFileSync(target, partial);
    fs.renameSync(partial, path.join(userCache, BINARIES[tool]));
  } catch {
    // The user-level copy is only a speed-up.
  }
  return target;
}

/**
 * The server's Go module source (schemas under schema/postgresql/v12, sample configs under config/):
 * TEMPORAL_SERVER_MODULE_DIR, else the Go module cache, else `go mod download` puts it there.
 */
export function temporalServerModuleDir(): string {
  const fromEnv = process.env.TEMPORAL_SERVER_MODULE_DIR;
  if (fromEnv) {
    if (!fs.existsSync(path.join(fromEnv, 'schema'))) throw new Error(`TEMPORAL_SERVER_MODULE_DIR=${fromEnv} has no schema folder`);
    return path.resolve(fromEnv);
  }
  const go = goBinary();
  if (!go) throw new Error(`the Temporal server's schemas come from its Go module ${SERVER_MODULE}: install Go, or set TEMPORAL_SERVER_MODULE_DIR to a copy of its source`);
  const modCache = execFileSync(go, ['env', 'GOMODCACHE']).toString().trim();
  const dir = path.join(modCache, 'go.temporal.io', `server@${TEMPORAL_SERVER_VERSION}`);
  if (fs.existsSync(path.join(dir, 'schema'))) return dir;
  const info = JSON.parse(execFileSync(go, ['mod', 'download', '-json', SERVER_MODULE], { cwd: os.tmpdir() }).toString()) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${SERVER_MODULE} failed: ${info.Error ?? 'no folder'}`);
  return info.Dir;
}

if (require.main === module) {
  try {
    const tools = ensureTemporalServerTools();
    console.log(`${tools.server}\n${tools.sqlTool}\n${temporalServerModuleDir()}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
