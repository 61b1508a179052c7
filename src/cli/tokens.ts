import { parseArgs } from 'node:util';
import { loadConfig, requireDatabaseUrl } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { endSessionsOf } from '../db/sessions';
import { createToken, revokeTokens } from '../db/tokens';
import { Role, roles } from '../domain/review';
import type { CliIo } from './main';

// `handoff tokens create --principal <id> --role <role> [--role ...] [--name "..."]`: a new API token.
// The token goes alone to stdout (TOKEN=$(handoff tokens create ...)); it is stored only hashed, so
// this is the one time it is shown. The roles given replace the principal's roles.

const EXIT_OK = 0;
const EXIT_USAGE = 2;

const usage =
  `usage: handoff tokens create --principal <id> --role <${roles.join('|')}> [--role ...] [--name "Full Name"]\n` +
  '       handoff tokens revoke --principal <id>   (revokes all of its tokens)\n';

export async function tokensCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create' && sub !== 'revoke') {
    io.stderr(sub ? `handoff tokens: unknown subcommand "${sub}"\n${usage}` : usage);
    return EXIT_USAGE;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { principal: { type: 'string' }, role: { type: 'string', multiple: true }, name: { type: 'string' } },
    }));
  } catch (err) {
    io.stderr(`handoff tokens: ${err instanceof Error ? err.message : String(err)}\n${usage}`);
    return EXIT_USAGE;
  }
  const principal = values.principal?.trim();
  if (!principal || !/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/.test(principal)) {
    io.stderr(`handoff tokens: --principal <id> is required (letters, digits and . _ : @ -)\n${usage}`);
    return EXIT_USAGE;
  }
  if (sub === 'revoke') {
    if (values.role || values.name) {
      io.stderr(`handoff tokens: revoke takes only --principal\n${usage}`);
      return EXIT_USAGE;
    }
    return revoke(principal, io, env);
  }
  const given = values.role ?? [];
  const bad = given.filter((r) => !Role.safeParse(r).success);
  if (given.length === 0 || bad.length) {
    io.stderr(`handoff tokens: ${bad.length ? `unknown role ${bad.map((r) => `"${r}"`).join(', ')}` : 'at least one --role is required'}\n${usage}`);
    return EXIT_USAGE;
  }
  const databaseUrl = requireDatabaseUrl(loadConfig(env));
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl);
  try {
    const token = await createToken(pool, { id: principal, name: values.name?.trim() || principal, roles: [...new Set(given)] as Role[] });
    io.stdout(`${token}\n`);
    io.stderr(`token for ${principal} (${[...new Set(given)].join(', ')}); stored hashed, shown only now\n`);
    return EXIT_OK;
  } finally {
    await pool.end();
  }
}

async function revoke(principal: string, io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const databaseUrl = requireDatabaseUrl(loadConfig(env));
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl);
  try {
    const count = await revokeTokens(pool, principal);
    // Someone who left must not stay signed in to the web app either.
    const sessions = await endSessionsOf(pool, principal);
    io.stdout(`revoked ${count} token${count === 1 ? '' : 's'} of ${principal}\n`);
    io.stderr(`ended ${sessions} browser session${sessions === 1 ? '' : 's'} of ${principal}; their unused sign-in links no longer work\n`);
    return EXIT_OK;
  } finally {
    await pool.end();
  }
}
