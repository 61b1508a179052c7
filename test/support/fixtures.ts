import fs from 'node:fs';
import path from 'node:path';
import type { IntakeBundleInput } from '../../src/domain/intake';

export const sharedFixturesDir = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures');

export function loadSharedFixture(name: 'worked-example' | 'contradiction' | 'missing-evidence'): IntakeBundleInput {
  return JSON.parse(fs.readFileSync(path.join(sharedFixturesDir, `${name}.json`), 'utf8'));
}

/** The same bundle under a fresh deal id, so tests never meet each other's handoffs. */
export function withDealId<T extends { dealId: string }>(bundle: T, suffix: string): T {
  return { ...bundle, dealId: `${bundle.dealId}-${suffix}-${Date.now().toString(36)}` };
}
