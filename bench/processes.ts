import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to every child's node: Node
  // refuses profiling flags in NODE_OPTIONS. A child writes its profile when it exits on SIGTERM.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, script)], {
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

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
let ticksPerSecond: number | undefined;

/** Which part of the system a process is, from its command line. */
function partOf(comm: string, cmdline: string): string {
  if (cmdline.includes('bench/bare/worker')) return 'bare worker';
  if (cmdline.includes('worker.ts')) return 'handoff worker';
  if (cmdline.includes('src/api/server')) return 'API';
  if (comm.startsWith('postgres') || cmdline.includes('postgres')) return 'Postgres';
  if (cmdline.includes('temporal') || cmdline.includes('.tools/bin/')) return 'Temporal server';
  return 'other';
}

/**
 * CPU time (user + system, ms) so far of every process this one started, directly or not (workers,
 * API, Temporal dev server, Postgres and its backends), by part, from /proc. A live process's
 * figure includes the children it has reaped (cutime, cstime: Postgres backends that closed), so a
 * process that exits between two readings is still counted, by its parent.
 */
export function descendantsCpuMs(): Record<string, number> {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stats = new Map<number, { ppid: number; ticks: number; comm: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the fields follow its last ')'.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]), comm });
    } catch {
      // Gone between the listing and the read.
    }
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const byPart: Record<string, number> = {};
  const visit = (pid: number, inherited?: string) => {
    for (const child of children.get(pid) ?? []) {
      const { ticks, comm } = stats.get(child)!;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        // Gone: its time is counted with its parent's next reading.
      }
      // A process's own children (Postgres backends, a CLI's server) belong to its part.
      const part = inherited ?? partOf(comm, cmdline);
      byPart[part] = (byPart[part] ?? 0) + (ticks * 1000) / ticksPerSecond!;
      visit(child, part === 'other' ? undefined : part);
    }
  };
  visit(process.pid);
  return byPart;
}

/** What each part used between two readings of descendantsCpuMs, ms. */
export function cpuBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const parts = new Set([...Object.keys(before), ...Object.keys(after)]);
  return Object.fromEntries([...parts].map((part) => [part, (after[part] ?? 0) - (before[part] ?? 0)]));
}

/** `npx tsx bench/<name>.ts [--quick]`: one bench alone, its figures printed as `npm run bench` prints them. */
export function runAlone(bench: (options: { quick: boolean }) => Promise<{ name: string; figures: Record<string, number> }>, width: number): void {
  bench({ quick: process.argv.includes('--quick') }).then(
    ({ name, figures }) => {
      console.log(name);
      for (const [figure, value] of Object.entries(figures)) console.log(`  ${figure.padEnd(width)} ${value}`);
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
