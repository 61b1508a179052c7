import { draftCommand } from './draft';
import { loginLinkCommand } from './login-link';
import { temporalCommand } from './temporal';
import { tokensCommand } from './tokens';

// `handoff <command> ...`: a small dispatcher, so other subcommands plug in with one line.

export type Command = (args: string[], io: CliIo) => Promise<number>;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const commands: Record<string, { summary: string; run: Command }> = {
  draft: { summary: 'draft <bundle.json> [--format json|md] [--now ISO]   draft a handoff packet offline', run: draftCommand },
  'login-link': { summary: 'login-link --principal <id> [--ttl 15m] [--base-url URL]   a one-time sign-in link for the web app', run: loginLinkCommand },
  temporal: { summary: 'temporal <temporal CLI arguments>   the Temporal CLI, with --address/--namespace of TEMPORAL_ADDRESS/TEMPORAL_NAMESPACE', run: temporalCommand },
  tokens: { summary: 'tokens create --principal <id> --role <role> [--role ...] [--name "..."] | revoke --principal <id>   manage API tokens', run: tokensCommand },
};

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (name === '--help' || name === '-h') {
    io.stdout(usage());
    return 0;
  }
  if (!command) {
    if (name) io.stderr(`handoff: unknown command "${name}"\n`);
    io.stderr(usage());
    return 2;
  }
  return command.run(rest, io);
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  handoff ${c.summary.startsWith(name) ? c.summary : `${name} ${c.summary}`}`);
  return `usage:\n${lines.join('\n')}\n`;
}
