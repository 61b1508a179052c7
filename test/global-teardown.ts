import fs from 'node:fs';

interface Services {
  postgres: { stop(): Promise<void> };
  temporal: { stop(): Promise<void> };
  dataRoot: string;
}

export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as Record<string, unknown>).__handoffServices as Services | undefined;
  if (!services) return;
  await Promise.allSettled([services.temporal.stop(), services.postgres.stop()]);
  fs.rmSync(services.dataRoot, { recursive: true, force: true });
}
