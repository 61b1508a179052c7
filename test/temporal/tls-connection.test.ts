import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createWorker } from '../../worker';
import { loadConfig } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { temporalConnectionOptions } from '../../src/temporal/connection';
import { makeTestPki, type TestPki } from '../support/certs';

// The Temporal CLI's dev server has no TLS options (v1.5.1: `server start-dev --help` lists none), so
// mTLS is put in front of it: a Node TLS listener that requires a client certificate from the test
// CA and passes the bytes through to the dev server (gRPC over HTTP/2 either way; ALPN h2). The worker
// and the client connect with the options the configuration builds from TEMPORAL_TLS_*.

let pki: TestPki;
let proxy: tls.Server;
let address: string;
const accepted: string[] = [];

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  pki = makeTestPki();
  const [host, port] = process.env.TEMPORAL_ADDRESS!.split(':');
  proxy = tls.createServer(
    {
      cert: fs.readFileSync(pki.serverCert),
      key: fs.readFileSync(pki.serverKey),
      ca: fs.readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      accepted.push(String(socket.getPeerCertificate().subject?.CN));
      const upstream = net.connect(Number(port), host);
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close);
      upstream.on('error', close);
      socket.on('close', close);
      upstream.on('close', close);
    },
  );
  proxy.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  pki?.remove();
});

const mtlsEnv = () => ({
  TEMPORAL_ADDRESS: address,
  DATABASE_URL: process.env.DATABASE_URL,
  TEMPORAL_TASK_QUEUE: `handoff-tls-${randomUUID()}`,
  TEMPORAL_TLS_CERT: pki.clientCert,
  TEMPORAL_TLS_KEY: pki.clientKey,
  TEMPORAL_TLS_CA: pki.caCert,
  // The listener is reached by IP; its certificate is checked against this name.
  TEMPORAL_TLS_SERVER_NAME: 'localhost',
});

describe('mTLS to Temporal', () => {
  it('a worker with the configured client certificate polls through the mTLS listener, and the client sees it', async () => {
    const config = loadConfig(mtlsEnv());
    const pool = createPool(config.DATABASE_URL!);
    const workerConnection = await NativeConnection.connect(temporalConnectionOptions(config));
    const worker = await createWorker({ connection: workerConnection, pool, config, workflowBundle: { codePath: process.env.HANDOFF_TEST_WORKFLOW_BUNDLE! } });
    const running = worker.run();
    const connection = await Connection.connect(temporalConnectionOptions(config));
    try {
      const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
      let pollers = 0;
      while (pollers === 0) {
        const { pollers: seen } = await client.workflowService.describeTaskQueue({
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue: { name: config.TEMPORAL_TASK_QUEUE },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        pollers = seen?.length ?? 0;
        if (!pollers) await new Promise((r) => setTimeout(r, 200));
      }
      expect(pollers).toBeGreaterThan(0);
      // Both connections were made through the listener, with the test client certificate.
      expect(accepted.length).toBeGreaterThanOrEqual(2);
      expect(new Set(accepted)).toEqual(new Set(['handoff-worker']));
    } finally {
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
      await pool.end();
    }
  });

  it('a certificate from another CA, or none, is refused at the handshake', async () => {
    const stranger = loadConfig({ ...mtlsEnv(), TEMPORAL_TLS_CERT: pki.strangerCert, TEMPORAL_TLS_KEY: pki.strangerKey });
    // Node's TLS listener drops the handshake of an unknown issuer (the client sees the connection end).
    await expect(NativeConnection.connect(temporalConnectionOptions(stranger))).rejects.toThrow(/transport error/);
    const serverAuthOnly = loadConfig({ ...mtlsEnv(), TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' });
    expect(temporalConnectionOptions(serverAuthOnly).tls?.clientCertPair).toBeUndefined();
    // TLS 1.3 ends the handshake before the server checks for a client certificate: the client reads either the
    // server's CertificateRequired alert or, when the listener closes first, the connection closing (CI saw both).
    await expect(NativeConnection.connect(temporalConnectionOptions(serverAuthOnly))).rejects.toThrow(/CertificateRequired|connection closed/);
    expect(accepted).not.toContain('stranger');
  });

  it('plaintext to the mTLS listener fails instead of hanging', async () => {
    await expect(NativeConnection.connect({ address })).rejects.toThrow(/transport error/);
  });
});
