import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

// The parts under measurement run as their own processes, as they are deployed (worker, API),
// so the driver's own work does not share their event loop and a worker's memory is its own.

const root = path.resolve(__dirname, '..');
const running = new Set<ChildProcess>();

export interface Child {
  pid: number;
  /** Resident set size now, bytes (Linux /proc). */
  rss(): number;
  stop(): Promise<void>;
}

export function startChild(name: string, script: string, env: Record<string, string | undefined>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, script)], {
    cwd: root,
    env: childEnv(env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    // BENCH_VERBOSE=1 shows what the workers and the API complain about while they run.
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    running.delete(child);
    if (code && !stopping) console.error(`${name} exited with ${code ?? signal}:\n${stderr}`);
  });
  let stopping = false;
  return {
    pid: child.pid!,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killed);
    },
  };
}

/** The bench's environment with these set; an undefined value removes the variable. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** Stops for what a bench started other than children (dev server, Postgres), run if it runs out of time. */
export const cleanups = new Set<() => Promise<void>>();

/** A bench that fails or runs out of time leaves no worker or API behind. */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}
process.once('exit', killChildren);
