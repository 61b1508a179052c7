import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { temporalCliEnv, temporalConnectionOptions } from '../../src/temporal/connection';
import { makeTestPki, type TestPki } from '../support/certs';

// TEMPORAL_API_KEY / TEMPORAL_TLS_* are checked when the configuration loads: each mistake stops
// the process with a message naming the variable; a good setting becomes the SDK's connection options.

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

const read = (file: string) => fs.readFileSync(file, 'utf8');
const failure = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the configuration loaded');
};

describe('Temporal connection settings', () => {
  it('plain address when nothing is set, and empty values (compose ${VAR:-}) count as unset', () => {
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toEqual({ address: 'temporal:7233' });
    const blank = loadConfig({ TEMPORAL_API_KEY: '', TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '', TEMPORAL_TLS_CA: '', TEMPORAL_TLS_SERVER_NAME: '' });
    expect(temporalConnectionOptions(blank)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('an API key turns TLS on and names the namespace for Temporal Cloud routing', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_NAMESPACE: 'handoff.a1b2c', TEMPORAL_API_KEY: 'key-123' });
    expect(temporalConnectionOptions(config)).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      tls: {},
      apiKey: 'key-123',
      metadata: { 'temporal-namespace': 'handoff.a1b2c' },
    });
  });

  it('mTLS from file paths: client pair, CA and server name read from the files', () => {
    const config = loadConfig({ TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: pki.clientKey, TEMPORAL_TLS_CA: pki.caCert, TEMPORAL_TLS_SERVER_NAME: 'localhost' });
    const options = temporalConnectionOptions(config);
    expect(options.apiKey).toBeUndefined();
    expect(options.tls?.serverNameOverride).toBe('localhost');
    expect(Buffer.from(options.tls!.serverRootCACertificate!).toString()).toBe(read(pki.caCert));
    expect(Buffer.from(options.tls!.clientCertPair!.crt).toString()).toBe(read(pki.clientCert));
    expect(Buffer.from(options.tls!.clientCertPair!.key).toString()).toBe(read(pki.clientKey));
  });

  it('mTLS from PEM text in the variables (secret stores) works the same', () => {
    const config = loadConfig({ TEMPORAL_TLS_CERT: read(pki.clientCert), TEMPORAL_TLS_KEY: read(pki.clientKey) });
    const options = temporalConnectionOptions(config);
    expect(Buffer.from(options.tls!.clientCertPair!.crt).toString()).toBe(read(pki.clientCert));
    expect(options.tls!.serverRootCACertificate).toBeUndefined();
  });

  it('a CA alone is server-authenticated TLS without a client certificate', () => {
    const options = temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_CA: pki.caCert }));
    expect(options.tls?.serverRootCACertificate).toBeDefined();
    expect(options.tls?.clientCertPair).toBeUndefined();
  });

  it('a certificate without its key, or a key without its certificate, is refused', () => {
    expect(failure({ TEMPORAL_TLS_CERT: pki.clientCert })).toContain('TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not');
    expect(failure({ TEMPORAL_TLS_KEY: pki.clientKey })).toContain('TEMPORAL_TLS_CERT: TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not');
  });

  it('an unreadable file is named with the reason', () => {
    const missing = path.join(pki.dir, 'nope.pem');
    expect(failure({ TEMPORAL_TLS_CERT: missing, TEMPORAL_TLS_KEY: pki.clientKey })).toContain(`TEMPORAL_TLS_CERT: cannot read the certificate file ${missing} (ENOENT)`);
    expect(failure({ TEMPORAL_TLS_CA: pki.dir })).toContain(`TEMPORAL_TLS_CA: cannot read the certificate file ${pki.dir} (EISDIR)`);
  });

  it('a file that is not PEM, or PEM that does not parse, is refused', () => {
    const notPem = path.join(pki.dir, 'notes.txt');
    fs.writeFileSync(notPem, 'just some text\n');
    expect(failure({ TEMPORAL_TLS_CA: notPem })).toContain(`TEMPORAL_TLS_CA: ${notPem} is not PEM`);
    const broken = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    expect(failure({ TEMPORAL_TLS_CA: broken })).toContain('TEMPORAL_TLS_CA: the value is not a usable PEM certificate');
    // A certificate where the key belongs, and the other way round.
    expect(failure({ TEMPORAL_TLS_CERT: pki.clientKey, TEMPORAL_TLS_KEY: pki.clientCert })).toMatch(
      /TEMPORAL_TLS_CERT: .* is not a usable PEM certificate.*TEMPORAL_TLS_KEY: .* is not a usable PEM private key/,
    );
  });

  it('a key that is not the certificate\'s is refused', () => {
    expect(failure({ TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: pki.strangerKey })).toContain(
      'TEMPORAL_TLS_KEY: TEMPORAL_TLS_KEY is not the private key of the certificate in TEMPORAL_TLS_CERT',
    );
  });

  it('an API key and mTLS together are refused', () => {
    expect(failure({ TEMPORAL_API_KEY: 'key-123', TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: pki.clientKey })).toContain(
      'TEMPORAL_API_KEY: both TEMPORAL_API_KEY and mTLS (TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY) are set',
    );
  });

  it('a server name without TLS is refused', () => {
    expect(failure({ TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' })).toContain('TEMPORAL_TLS_SERVER_NAME: TEMPORAL_TLS_SERVER_NAME is set but TLS is off');
  });

  it('messages never repeat a secret', () => {
    const key = read(pki.clientKey);
    const message = failure({ TEMPORAL_API_KEY: 'sk-very-secret', TEMPORAL_TLS_KEY: key });
    expect(message).not.toContain('sk-very-secret');
    expect(message).not.toContain(key.split('\n')[1]);
  });

  it('the Temporal CLI gets PEM text in its *_DATA variables, never a path it would misread', () => {
    const config = loadConfig({ TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: read(pki.clientKey) });
    const env = temporalCliEnv(config, { PATH: '/bin', TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: read(pki.clientKey) });
    expect(env).toEqual({ PATH: '/bin', TEMPORAL_TLS: 'true', TEMPORAL_TLS_CERT_DATA: read(pki.clientCert), TEMPORAL_TLS_KEY_DATA: read(pki.clientKey) });
    expect(temporalCliEnv(loadConfig({}), { PATH: '/bin' })).toEqual({ PATH: '/bin' });
  });

  it('metrics address and OTLP endpoint are checked too', () => {
    expect(loadConfig({ WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }).WORKER_METRICS_ADDRESS).toBe('0.0.0.0:9464');
    expect(failure({ WORKER_METRICS_ADDRESS: '9464' })).toContain('WORKER_METRICS_ADDRESS: expected host:port');
    expect(failure({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
  });
});
