import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/dev/free-port';
import { loadSharedFixture } from '../support/fixtures';

// `npm start` as a user runs it: the real launcher as a child process on a temp data folder and free
// ports. A handoff created through the API it prints survives Ctrl-C (after which none of its
// processes is left) and a second start on the same folder; each start revokes the previous
// start's demo tokens; the Temporal commands it prints work as printed; a part that fails to
// start shows its own error and takes down what already started.

const root = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-launcher-'));
const dataDir = path.join(tmp, 'data');
const launched: Launcher[] = [];
let ports: { temporal: number; ui: number; pg: number; api: number };

beforeAll(async () => {
  ports = { temporal: await freePort(), ui: await freePort(), pg: await freePort(), api: await freePort() };
});

afterAll(() => {
  // Whatever happened above, nothing this file started outlives it.
  for (const l of launched) {
    try {
      process.kill(-l.child.pid!, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
    for (const p of l.descendants) if (isAlive(p)) process.kill(p.pid, 'SIGKILL');
  }
  for (const p of processesMentioning(tmp)) process.kill(p.pid, 'SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Proc {
  pid: number;
  startTime: string;
  cmd: string;
}

interface Launcher {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process under the launcher, seen once it printed its banner. */
  descendants: Proc[];
}

function launcherEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HANDOFF_DATA_DIR: dataDir,
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    EMBEDDED_PG_PORT: String(ports.pg),
    PORT: String(ports.api),
    LOG_LEVEL: 'warn',
  };
  // The test run's own services are in the environment: the launcher must start its own.
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'TEMPORAL_NAMESPACE', 'ANTHROPIC_API_KEY']) delete env[name];
  return env;
}

function launch(): Launcher {
  // Its own process group, so afterAll can take down everything under it at once.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/dev/start.ts'], {
    cwd: root,
    env: launcherEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const launcher: Launcher = { child, output: () => text, exited, descendants: [] };
  launched.push(launcher);
  return launcher;
}

/** Waits for the banner; fails with the launcher's output when it exits or takes too long. */
async function ready(l: Launcher, ms = 60_000): Promise<{ api: string; tokens: Record<string, string>; cliLines: string[] }> {
  const deadline = Date.now() + ms;
  let gone = false;
  void l.exited.then(() => (gone = true));
  while (!l.output().includes('Ctrl-C stops everything')) {
    if (gone || Date.now() > deadline) throw new Error(`the launcher did not start${gone ? ' (it exited)' : ''}:\n${l.output()}`);
    await sleep(100);
  }
  l.descendants.push(...descendantsOf(l.child.pid!));
  const text = l.output();
  const tokens: Record<string, string> = {};
  for (const m of text.matchAll(/^ {2}(\S+)\s+(hnd_\S+)/gm)) tokens[m[1]] = m[2];
  const cliLines = [...text.matchAll(/^(?:Temporal CLI| +or) +(.+)$/gm)].map((m) => m[1]);
  return { api: /^Handoff API\s+(\S+)/m.exec(text)![1], tokens, cliLines };
}

async function stop(l: Launcher): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  l.child.kill('SIGINT');
  return Promise.race([l.exited, sleep(30_000).then(() => Promise.reject(new Error(`the launcher did not stop:\n${l.output()}`)))]);
}

async function api(base: string, method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

// Unique on this machine, so the printed commands could not list another instance's handoff instead.
const dealId = `D-LAUNCH-${process.pid}-${Date.now().toString(36)}`;
const handoffId = `handoff-${dealId}`;
const first: { tokens?: Record<string, string>; cliToken?: string } = {};
const second: { api?: string; tokens?: Record<string, string>; cliLines?: string[] } = {};

test('a handoff made through the printed API survives Ctrl-C, which leaves no process behind, and a second start on the same folder', async () => {
  const one = launch();
  const started = await ready(one);
  first.tokens = started.tokens;
  expect(Object.keys(started.tokens).sort()).toEqual(['admin', 'u-ana', 'u-ben', 'u-chen']);
  // The launcher really started the servers this test then expects gone.
  expect(one.descendants.map((p) => p.cmd)).toEqual(
    expect.arrayContaining([expect.stringMatching(/temporal server start-dev/), expect.stringMatching(/postgres -D /)]),
  );

  const created = await api(started.api, 'POST', '/handoffs', started.tokens['u-ben'], { ...loadSharedFixture('worked-example'), dealId });
  expect(created).toMatchObject({ status: 201, body: { handoffId } });
  // A token made with `handoff tokens create` (not a demo token) against the launcher's Postgres.
  const made = await run(process.execPath, [path.join(root, 'bin', 'handoff.js'), 'tokens', 'create', '--principal', 'u-launcher-test', '--role', 'admin'], {
    cwd: root,
    env: { ...launcherEnv(), DATABASE_URL: `postgresql://handoff:handoff@127.0.0.1:${ports.pg}/handoff` },
  });
  first.cliToken = made.stdout.trim();

  const stopped = await stop(one);
  expect(stopped).toEqual({ code: 0, signal: null });
  await until(() => one.descendants.every((p) => !isAlive(p)), 10_000);
  expect(one.descendants.filter(isAlive)).toEqual([]);
  expect(processesMentioning(tmp)).toEqual([]);

  // The folder the first start made (Postgres data folder included) starts again.
  const two = launch();
  const again = await ready(two);
  second.api = again.api;
  second.tokens = again.tokens;
  second.cliLines = again.cliLines;
  const read = await api(again.api, 'GET', `/handoffs/${handoffId}`, again.tokens['u-ben']);
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ handoffId, dealId });
}, 110_000);

test("each start revokes the previous start's demo tokens (401); a token from `handoff tokens create` stays valid", async () => {
  expect(second.api).toBeDefined();
  expect(first.tokens!['u-ben']).not.toBe(second.tokens!['u-ben']);
  expect((await api(second.api!, 'GET', `/handoffs/${handoffId}`, first.tokens!['u-ben'])).status).toBe(401);
  expect((await api(second.api!, 'GET', `/handoffs/${handoffId}`, first.tokens!.admin)).status).toBe(401);
  expect((await api(second.api!, 'GET', `/handoffs/${handoffId}`, second.tokens!['u-ben'])).status).toBe(200);
  expect((await api(second.api!, 'GET', `/handoffs/${handoffId}`, first.cliToken!)).status).toBe(200);
});

test('the Temporal commands printed at start work as printed (they name the address in use)', async () => {
  const printed = second.cliLines!;
  expect(printed).toHaveLength(2);
  expect(printed[0]).toMatch(/npx handoff temporal workflow list/);
  expect(printed[1]).toContain(`--address 127.0.0.1:${ports.temporal}`);
  // Both list the handoff once it is in review; the shell has none of the launcher's settings.
  await until(async () => (await api(second.api!, 'GET', `/handoffs/${handoffId}`, second.tokens!['u-ben'])).body?.stage === 'in_review', 30_000);
  const shellEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const line of printed) {
    const { stdout } = await run('sh', ['-c', line], { cwd: root, env: shellEnv, timeout: 30_000 });
    expect(stdout).toContain(handoffId);
  }
}, 60_000);

test('a part that fails to start shows its own error, exits 1 and stops the parts already started', async () => {
  await stop(launched[1]);
  // A setting PostgreSQL refuses: the Temporal dev server (started first) is up when Postgres fails.
  fs.appendFileSync(path.join(dataDir, 'postgres', 'postgresql.conf'), '\nnot_a_postgres_setting = 1\n');
  const three = launch();
  const exit = await Promise.race([three.exited, sleep(60_000).then(() => ({ code: -1, signal: null }))]);
  expect(exit).toEqual({ code: 1, signal: null });
  expect(three.output()).toMatch(/starting embedded Postgres/);
  expect(three.output()).toMatch(/unrecognized configuration parameter "not_a_postgres_setting"/);
  expect(processesMentioning(tmp)).toEqual([]);
}, 70_000);

// --- processes, read from /proc ---------------------------------------------------------------

function readProc(pid: number): { ppid: number; state: string; startTime: string; cmd: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { state: fields[0], ppid: Number(fields[1]), startTime: fields[19], cmd };
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

function descendantsOf(rootPid: number): Proc[] {
  const procs = allPids().map((pid) => ({ pid, info: readProc(pid) }));
  const found: Proc[] = [];
  const parents = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const { pid, info } of procs) {
      if (info && parents.has(info.ppid) && !parents.has(pid)) {
        parents.add(pid);
        found.push({ pid, startTime: info.startTime, cmd: info.cmd });
        grew = true;
      }
    }
  }
  return found;
}

/** Alive and the same process (not a reused pid); a zombie has already exited. */
function isAlive(p: Proc): boolean {
  const info = readProc(p.pid);
  return !!info && info.startTime === p.startTime && info.state !== 'Z';
}

function processesMentioning(text: string): Array<{ pid: number; cmd: string }> {
  return allPids()
    .map((pid) => ({ pid, info: readProc(pid) }))
    .filter(({ pid, info }) => pid !== process.pid && info && info.state !== 'Z' && info.cmd.includes(text))
    .map(({ pid, info }) => ({ pid, cmd: info!.cmd }));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await sleep(100);
}
