import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Temporal's test server cannot be downloaded here, so the project builds the CLI from its Go
// module once (v1.5.1: later tags carry a `replace` that `go install` refuses) and reuses it.

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const projectRoot = path.resolve(__dirname, '..', '..');
export const projectToolsBin = path.join(projectRoot, '.tools', 'bin');
// A user-level copy lets fresh clones on the same machine skip even the link step.
const userCache = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'handoff', 'temporal-cli-v1.5.1');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The Temporal CLI this project uses, without building it: TEMPORAL_CLI if set, else `temporal` on
 * PATH, else the project's own build (copied from the user-level cache when only that exists).
 */
export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} does not exist`);
    return path.resolve(fromEnv);
  }
  const found = onPath('temporal');
  if (found) return found;
  const built = path.join(projectToolsBin, 'temporal');
  if (fs.existsSync(built)) return built;
  if (fs.existsSync(userCache)) {
    fs.mkdirSync(projectToolsBin, { recursive: true });
    // Copy then rename: a concurrent start never runs a half-copied binary.
    const partial = `${built}.${process.pid}.partial`;
    fs.copyFileSync(userCache, partial);
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, built);
    return built;
  }
  return undefined;
}

/** findTemporalCli(), else the project's own build (made once, then reused). */
export function ensureTemporalCli(log: (msg: string) => void = (m) => console.error(m)): string {
  const found = findTemporalCli();
  if (found) return found;
  const built = path.join(projectToolsBin, 'temporal');

  const go = onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new Error(
      'The Temporal CLI is needed and Go is not installed to build it. Install Go 1.22+ (https://go.dev/doc/install), ' +
        'or put a `temporal` binary on PATH, or set TEMPORAL_CLI to its path.',
    );
  }
  log(`building the Temporal CLI (${TEMPORAL_CLI_MODULE}) into ${projectToolsBin}; first time only, a few minutes…`);
  fs.mkdirSync(projectToolsBin, { recursive: true });
  const result = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: projectToolsBin },
  });
  if (result.status !== 0 || !fs.existsSync(built)) throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${result.status})`);
  log(`built ${execFileSync(built, ['--version']).toString().trim()}`);
  try {
    fs.mkdirSync(path.dirname(userCache), { recursive: true });
    fs.copyFileSync(built, userCache);
  } catch {
    // The user-level copy is only a speed-up.
  }
  return built;
}

if (require.main === module) {
  try {
    console.log(ensureTemporalCli());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
