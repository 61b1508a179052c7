import type { LocalServices } from '../src/dev/local-services';

export default async function globalTeardown(): Promise<void> {
  await ((globalThis as Record<string, unknown>).__handoffServices as LocalServices | undefined)?.stop();
}
