import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { handoffSearchAttributeTypes } from './search-attributes';
import { assertPortFree, freePort } from './free-port';
import { ensureTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  port: number;
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; omitted = in memory. */
  dbFile?: string;
  headless?: boolean;
  logFile?: string;
  namespace?: string;
  /** Server dynamic config, e.g. a low continue-as-new threshold for a test. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with the handoff search attributes and waits until it answers.
 * If it does not come up, the error carries the server's own last log lines and the process is gone.
 */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = ensureTemporalCli();
  await assertPortFree(opts.port, 'Temporal dev server (gRPC)');
  if (!opts.headless && opts.uiPort !== undefined) await assertPortFree(opts.uiPort, 'Temporal Web UI');
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn'];
  // The HTTP API and metrics ports default to neighbours of --port; pick free ones so nothing collides.
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  args.push('--namespace', opts.namespace ?? 'default');
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.headless || opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  for (const [name, type] of Object.entries(handoffSearchAttributeTypes)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  // Its output goes to the log file when there is one (read back from this offset on failure),
  // else into a small in-memory tail.
  const logOffset = opts.logFile && fs.existsSync(opts.logFile) ? fs.statSync(opts.logFile).size : 0;
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'pipe';
  const child = spawn(cli, args, { stdio: ['ignore', out, out] });
  if (typeof out === 'number') fs.closeSync(out);
  let tail = '';
  const keepTail = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-8192));
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Last resort when this process exits without stopping it (an uncaught error): no orphan keeps the ports.
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  const address = `127.0.0.1:${opts.port}`;
  const serverLog = () => (opts.logFile ? readFrom(opts.logFile, logOffset) : tail).trim();
  await waitUntilServing(address, child, exited, serverLog);
  return {
    address,
    uiUrl: opts.headless || opts.uiPort === undefined ? undefined : `http://127.0.0.1:${opts.uiPort}`,
    pid: child.pid!,
    stop: () => stopChild(child, exited),
  };
}

function readFrom(file: string, offset: number): string {
  try {
    const text = fs.readFileSync(file).subarray(offset).toString('utf8');
    return text.slice(-8192);
  } catch {
    return '';
  }
}

async function waitUntilServing(address: string, child: ChildProcess, exited: Promise<number | null>, serverLog: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let lastError: unknown;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const gone = () => exitCode !== undefined || child.exitCode !== null || child.signalCode !== null;
  while (Date.now() < deadline && !gone()) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        if (!gone()) return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const why = gone() ? `it exited (code ${child.exitCode ?? exitCode}${child.signalCode ? `, ${child.signalCode}` : ''})` : `no answer in 90 s: ${String(lastError)}`;
  await stopChild(child, exited, 'SIGKILL');
  const log = serverLog();
  throw new Error(`Temporal dev server on ${address} did not start: ${why}${log ? `\n--- its log ---\n${log}` : ''}`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
