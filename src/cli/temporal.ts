import { spawn } from 'node:child_process';
import os from 'node:os';
import { loadConfig } from '../config';
import { ensureTemporalCli } from '../dev/temporal-cli';
import { temporalCliEnv } from '../temporal/connection';
import type { CliIo } from './main';

// `handoff temporal <args…>`: the Temporal CLI this project uses (TEMPORAL_CLI, PATH or .tools/bin),
// pointed at the configured Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE) unless the arguments
// name another one, so the commands in the README work whatever binary and port are in use.

// The command groups of the Temporal CLI that talk to a server and so take --address/--namespace.
const CLIENT_COMMANDS = new Set(['activity', 'batch', 'operator', 'schedule', 'task-queue', 'worker', 'workflow']);

/** The arguments with `--address` and `--namespace` added where the command takes them and they are not given. */
export function withConnectionFlags(args: string[], target: { address: string; namespace: string }): string[] {
  if (!CLIENT_COMMANDS.has(args[0] ?? '')) return args;
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  const given = (long: string, short?: string) =>
    args.slice(0, end).some((a) => a === long || a.startsWith(`${long}=`) || (short !== undefined && (a === short || a.startsWith(`${short}=`))));
  const added: string[] = [];
  if (!given('--address') && !given('--env')) added.push('--address', target.address);
  if (!given('--namespace', '-n') && !given('--env')) added.push('--namespace', target.namespace);
  return [...args.slice(0, end), ...added, ...args.slice(end)];
}

/** POSIX-shell quoting for printing a command a person can paste. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg)) return arg;
  if (!/["$`\\!]/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export const temporalCommand = async (args: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> => {
  if (args.length === 0) {
    io.stderr('usage: handoff temporal <temporal CLI arguments>   e.g. handoff temporal workflow list --query "HandoffStage=\'in_review\'"\n');
    return 2;
  }
  const config = loadConfig(env);
  const cli = ensureTemporalCli((msg) => io.stderr(`${msg}\n`));
  const child = spawn(cli, withConnectionFlags(args, { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE }), {
    stdio: 'inherit',
    // TLS and the API key reach the CLI through its own variables, never its arguments.
    env: temporalCliEnv(config, env),
  });
  // Ctrl-C reaches the CLI too (same process group): let it finish and report its own exit code.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      // Killed by a signal: the shell convention 128 + signal number.
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
    });
  } finally {
    process.removeListener('SIGINT', ignore);
  }
};
