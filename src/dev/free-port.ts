import net from 'node:net';

/** A port the OS says is free right now on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Fails with a message naming the port and what it was meant for when something already listens on
 * it (a service still running, or left over from a start that did not stop), before a service is
 * started there and fails with a less helpful error.
 */
export function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`${what}: ${host}:${port} is not free (${err.code ?? err.message}); is another instance still running?`)),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
