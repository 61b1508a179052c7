import { loadBundle } from '../db/bundles';
import { checkGates } from '../domain/gates';
import type { GateResult } from '../domain/packet';
import type { ActivityDeps } from './deps';

export function createIntakeActivities({ pool, config }: ActivityDeps) {
  return {
    /** The gates are pure; this activity only loads the bundle the workflow refers to. */
    async runIntakeGates(input: { bundleHash: string; now: string }): Promise<GateResult> {
      const bundle = await loadBundle(pool, input.bundleHash);
      return checkGates(bundle, new Date(input.now), { staleAfterDays: config.STALE_AFTER_DAYS });
    },
  };
}
