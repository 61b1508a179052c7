import fs from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config';

// Temporal Cloud and secured clusters, with the Temporal CLI's own variable names: TEMPORAL_API_KEY
// (TLS on), or mTLS with TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY, optionally TEMPORAL_TLS_CA and
// TEMPORAL_TLS_SERVER_NAME. Certificates are read and checked when the configuration loads, so a
// wrong file stops the process at start with a message naming the variable, not a TLS error later.

/** Compose files pass `${VAR:-}`: an empty value means unset. */
const blankIsUnset = (value: unknown) => (value === '' ? undefined : value);

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

/** A path to a PEM file or the PEM text itself (secret stores hand over either); read and parsed now. */
export function pemSource(what: 'certificate' | 'private key') {
  return z.preprocess(
    blankIsUnset,
    z
      .string()
      .transform((value, ctx) => {
        const inline = value.includes('-----BEGIN ');
        let text = value;
        if (!inline) {
          try {
            text = fs.readFileSync(value, 'utf8');
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: `cannot read the ${what} file ${value} (${(err as NodeJS.ErrnoException).code ?? reason(err)})` });
            return z.NEVER;
          }
        }
        const where = inline ? 'the value' : value;
        if (!text.includes('-----BEGIN ')) {
          ctx.addIssue({ code: 'custom', message: `${where} is not PEM (no "-----BEGIN" line); give a PEM ${what} or its path` });
          return z.NEVER;
        }
        try {
          if (what === 'certificate') new X509Certificate(text);
          else createPrivateKey(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `${where} is not a usable PEM ${what}: ${reason(err)}` });
          return z.NEVER;
        }
        return text;
      })
      .optional(),
  );
}

export const temporalSecurityFields = {
  /** Temporal Cloud API key: sent as a bearer token over TLS. */
  TEMPORAL_API_KEY: z.preprocess(blankIsUnset, z.string().optional()),
  /** mTLS client certificate and its key: a path or PEM text each. */
  TEMPORAL_TLS_CERT: pemSource('certificate'),
  TEMPORAL_TLS_KEY: pemSource('private key'),
  /** CA that signed the server's certificate, when the system's trust store does not know it. */
  TEMPORAL_TLS_CA: pemSource('certificate'),
  /** Name to verify the server's certificate against, when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.preprocess(blankIsUnset, z.string().optional()),
};

type Security = Partial<Record<keyof typeof temporalSecurityFields, string>>;

/** Checks across the variables: a pair completed, one way of authenticating, a key that fits its certificate. */
export function checkTemporalSecurity(env: Security, ctx: z.RefinementCtx): void {
  const issue = (path: keyof Security, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const { TEMPORAL_API_KEY: apiKey, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key } = env;
  if (cert && !key) issue('TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not: mTLS needs the client certificate and its private key');
  if (key && !cert) issue('TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not: mTLS needs the client certificate and its private key');
  if (apiKey && (cert || key)) issue('TEMPORAL_API_KEY', 'both TEMPORAL_API_KEY and mTLS (TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY) are set: use one way to authenticate');
  if (cert && key && !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    issue('TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_KEY is not the private key of the certificate in TEMPORAL_TLS_CERT');
  }
  if (env.TEMPORAL_TLS_SERVER_NAME && !temporalTlsEnabled(env)) {
    issue('TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_TLS_SERVER_NAME is set but TLS is off: set TEMPORAL_API_KEY, TEMPORAL_TLS_CA or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY');
  }
}

const temporalTlsEnabled = (env: Security) => Boolean(env.TEMPORAL_API_KEY || env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA);

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
  metadata?: Record<string, string>;
}

type Target = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> & Security;

/**
 * Address, TLS and API key for Connection.connect (client) and NativeConnection.connect (worker),
 * whose options share these fields.
 */
export function temporalConnectionOptions(config: Target): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: config.TEMPORAL_ADDRESS };
  if (!temporalTlsEnabled(config)) return options;
  options.tls = {
    ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(config.TEMPORAL_TLS_CA ? { serverRootCACertificate: Buffer.from(config.TEMPORAL_TLS_CA) } : {}),
    ...(config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY
      ? { clientCertPair: { crt: Buffer.from(config.TEMPORAL_TLS_CERT), key: Buffer.from(config.TEMPORAL_TLS_KEY) } }
      : {}),
  };
  if (config.TEMPORAL_API_KEY) {
    options.apiKey = config.TEMPORAL_API_KEY;
    // Temporal Cloud's regional endpoints route API-key calls by this header.
    options.metadata = { 'temporal-namespace': config.TEMPORAL_NAMESPACE };
  }
  return options;
}

/**
 * Environment for a Temporal CLI child process: the CLI reads the same variable names, but
 * TEMPORAL_TLS_* as paths, so PEM text goes to its *_DATA variables (never onto the command line).
 */
export function temporalCliEnv(config: Target, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA'] as const) {
    delete out[name];
    delete out[`${name}_DATA`];
    const pem = config[name];
    if (pem) out[`${name}_DATA`] = pem;
  }
  if (temporalTlsEnabled(config)) out.TEMPORAL_TLS = 'true';
  return out;
}
