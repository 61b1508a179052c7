import { parseArgs } from 'node:util';
import { loadConfig, requireDatabaseUrl, type Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createLoginLink } from '../db/sessions';
import type { CliIo } from './main';

// `handoff login-link --principal u-chen [--ttl 15m] [--base-url URL]`: a one-time sign-in link for
// the web app. The link alone goes to stdout (LINK=$(handoff login-link ...)); its token is stored
// only hashed, so this is the one time it is shown.

const EXIT_OK = 0;
const EXIT_USAGE = 2;
/** A link is for signing in now, not a standing credential. */
const MAX_TTL_S = 7 * 24 * 3600;

const usage = 'usage: handoff login-link --principal <id> [--ttl 15m|2h|900s] [--base-url http://host:port]\n';

/** `15m`, `2h`, `900s`, `900` (seconds), `1d` → seconds; undefined when not a duration. */
export function parseTtl(text: string): number | undefined {
  const match = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return seconds > 0 ? seconds : undefined;
}

/** Where people open the app: PUBLIC_API_URL, else the API's own HOST:PORT. */
export function defaultBaseUrl(config: Config): string {
  return (config.PUBLIC_API_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '');
}

export const loginLinkUrl = (baseUrl: string, token: string): string => `${baseUrl.replace(/\/+$/, '')}/auth/login?token=${encodeURIComponent(token)}`;

export async function loginLinkCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { principal: { type: 'string' }, ttl: { type: 'string' }, 'base-url': { type: 'string' } } }));
  } catch (err) {
    io.stderr(`handoff login-link: ${err instanceof Error ? err.message : String(err)}\n${usage}`);
    return EXIT_USAGE;
  }
  const principal = values.principal?.trim();
  if (!principal || !/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/.test(principal)) {
    io.stderr(`handoff login-link: --principal <id> is required (letters, digits and . _ : @ -)\n${usage}`);
    return EXIT_USAGE;
  }
  const config = loadConfig(env);
  const ttlS = values.ttl === undefined ? config.LOGIN_LINK_TTL_S : parseTtl(values.ttl);
  if (ttlS === undefined || ttlS > MAX_TTL_S) {
    io.stderr(`handoff login-link: --ttl must be a duration such as 15m, 2h or 900s, at most 7d\n${usage}`);
    return EXIT_USAGE;
  }
  const baseUrl = values['base-url'] ?? defaultBaseUrl(config);
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    io.stderr(`handoff login-link: --base-url must be an http(s) URL\n${usage}`);
    return EXIT_USAGE;
  }
  const databaseUrl = requireDatabaseUrl(config);
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl);
  try {
    const link = await createLoginLink(pool, principal, ttlS);
    if (!link) {
      io.stderr(`handoff login-link: no principal "${principal}"; create one with: handoff tokens create --principal ${principal} --role <role>\n`);
      return EXIT_USAGE;
    }
    io.stdout(`${loginLinkUrl(baseUrl, link.token)}\n`);
    io.stderr(`sign-in link for ${principal}: works once, until ${link.expiresAt.toISOString()}\n`);
    return EXIT_OK;
  } finally {
    await pool.end();
  }
}
