import { z } from 'zod';
import { ReviewerDirectory, RoutingTable } from './domain/routing-table';
import { checkTemporalSecurity, temporalSecurityFields } from './temporal/connection';

// One zod-validated view of the environment, shared by the worker, the API and the dev launcher.

const duration = z.coerce.number().int().positive();

/** An env variable holding JSON of the given shape. */
const jsonOf = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

/** `a=s1,b=s2` or a JSON object: a map of source name to secret. */
function parseSecrets(text: string | undefined, ctx: z.RefinementCtx): Record<string, string> {
  if (!text?.trim()) return {};
  let entries: Array<[string, unknown]>;
  try {
    entries = text.trim().startsWith('{')
      ? Object.entries(JSON.parse(text) as Record<string, unknown>)
      : text.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()] as [string, string]);
  } catch {
    entries = [];
  }
  const bad = !entries.length || entries.some(([source, secret]) => !/^[A-Za-z0-9._-]{1,64}$/.test(source) || typeof secret !== 'string' || secret.length < 16);
  // The message names no secret: configuration errors are printed.
  if (bad) ctx.addIssue({ code: 'custom', message: 'expected source=secret,… or JSON {source: secret}; sources [A-Za-z0-9._-], secrets of 16+ characters' });
  return Object.fromEntries(entries) as Record<string, string>;
}

const Env = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('handoff'),
  /** Temporal Cloud or a secured cluster: TEMPORAL_API_KEY, or mTLS (TEMPORAL_TLS_CERT/KEY/CA/SERVER_NAME); src/temporal/connection.ts. */
  ...temporalSecurityFields,
  /** OTLP/HTTP collector (e.g. http://otel-collector:4318): traces from API requests through workflows to activities; unset = no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
  /** service.name on the spans; default handoff-api / handoff-worker by process. */
  OTEL_SERVICE_NAME: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  /** host:port where the worker serves the Temporal SDK's Prometheus metrics (e.g. 0.0.0.0:9464); unset = none. */
  WORKER_METRICS_ADDRESS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:\[\]]+):\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:9464').optional(),
  ),
  /** Where ops open the Temporal Web UI; used for links in API answers. */
  TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
  DATABASE_URL: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_MODEL: z.string().default('claude-sonnet-4-5'),
  ANTHROPIC_MAX_TOKENS: z.coerce.number().int().positive().default(8192),
  ANTHROPIC_TIMEOUT_MS: duration.default(120_000),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  /** Gate policy: a document captured this long before close is stale. */
  STALE_AFTER_DAYS: z.coerce.number().int().positive().default(30),
  /** Review SLAs in seconds: hours in production, seconds in tests. */
  REVIEW_REMINDER_AFTER_S: duration.default(24 * 3600),
  REVIEW_ESCALATE_AFTER_S: duration.default(48 * 3600),
  REVIEW_REPEAT_EVERY_S: duration.default(24 * 3600),
  /** Review routing: JSON {category: role}, roles implementation | sales | handoff_owner | escalation or a directory name. */
  REVIEW_ROUTING: jsonOf(RoutingTable).default({}),
  /** Named reviewers outside the bundle: JSON {role: personId}, e.g. {"security": "u-sec"}. */
  REVIEW_DIRECTORY: jsonOf(ReviewerDirectory).default({}),
  /** Called with each notification (reminders, escalations, releases) when set. */
  NOTIFY_WEBHOOK_URL: z.string().url().optional(),
  /** Receives the kickoff release record (system of record) when set. */
  SYSTEM_OF_RECORD_WEBHOOK_URL: z.string().url().optional(),
  /** Readiness: a worker counts while it polled the task queue this recently (an idle long poll lasts 60 s). */
  READY_WORKER_SEEN_WITHIN_S: duration.default(70),
  /** Largest JSON body the API accepts. */
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(2 * 1024 * 1024),
  /** Evidence as files (multipart): largest file, most files per request (larger or more: 413). */
  UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(20 * 1024 * 1024),
  UPLOAD_MAX_FILES: z.coerce.number().int().positive().max(50).default(10),
  /** A DOCX whose parts inflate beyond this is refused before it is parsed (zip bombs). */
  DOCX_MAX_DECOMPRESSED_BYTES: z.coerce.number().int().positive().default(50 * 1024 * 1024),
  /** Text extraction of one file runs in a worker thread and is stopped after this long. */
  EXTRACT_TIMEOUT_MS: duration.default(30_000),
  /** Signed intake webhook (POST /webhooks/intake): `source=secret,…` or JSON {source: secret}; unset refuses every call. */
  INTAKE_WEBHOOK_SECRETS: z.string().optional().transform((text, ctx) => parseSecrets(text, ctx)),
  /** HubSpot: API base URL (tests point it at a local fake), private app token, app client secret (webhook signatures). */
  HUBSPOT_BASE_URL: z.string().url().default('https://api.hubapi.com'),
  HUBSPOT_ACCESS_TOKEN: z.string().optional(),
  HUBSPOT_CLIENT_SECRET: z.string().optional(),
  /** The public URL HubSpot calls (signatures cover it); default: the URL as the request reached the API. */
  HUBSPOT_WEBHOOK_URL: z.string().url().optional(),
  /** Deal stage ids that mean closed-won (comma-separated). */
  HUBSPOT_CLOSED_WON_STAGES: z.string().default('closedwon').transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean)),
  /** Deal property set to `released v<version>` on kickoff release; empty: no property, the note only. */
  HUBSPOT_WRITEBACK_PROPERTY: z.string().default('handoff_status'),
  /** HubSpot owner id or email → principal id (JSON); unmapped owners become `hubspot-owner-<id>`. */
  HUBSPOT_OWNER_PRINCIPALS: jsonOf(z.record(z.string(), z.string().min(1))).default({}),
  /** Where write-back notes link to: the API's public URL. */
  PUBLIC_API_URL: z.string().url().optional(),
  /** Retry of HubSpot intake activities (seconds): first interval and ceiling; tests shorten them. */
  HUBSPOT_RETRY_INITIAL_S: z.coerce.number().positive().default(2),
  HUBSPOT_RETRY_MAX_S: z.coerce.number().positive().default(300),
  /** Browser sessions end after this long unused (sliding) and in any case this long after sign-in. */
  SESSION_IDLE_TIMEOUT_S: duration.default(8 * 3600),
  SESSION_ABSOLUTE_TIMEOUT_S: duration.default(7 * 24 * 3600),
  /** How long a sign-in link from `handoff login-link` (or `npm start`) stays usable, unless --ttl says. */
  LOGIN_LINK_TTL_S: duration.default(15 * 60),
  /** Mark the session cookie Secure always (it is anyway whenever the request came over HTTPS). */
  SESSION_COOKIE_SECURE: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
  /** Where the built web app is (default web/dist of the repository). */
  WEB_DIST_DIR: z.string().optional(),
  /** express "trust proxy" (true, a hop count, or addresses/subnets): behind a TLS proxy, X-Forwarded-Proto then says HTTPS. */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v)),
}).superRefine(checkTemporalSecurity);
export type Config = z.infer<typeof Env>;
/** Every variable the configuration reads (docker-compose.yml sets only these: test/deploy/compose.test.ts). */
export const configVariables: readonly string[] = Object.keys(Env.shape);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export function requireDatabaseUrl(config: Config): string {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set (npm start runs an embedded Postgres for you)');
  return config.DATABASE_URL;
}
