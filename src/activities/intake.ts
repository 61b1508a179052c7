import { checkGates } from '../domain/gates';
import type { GateResult } from '../domain/packet';
import { bundleFor } from './bundle';
import type { ActivityDeps } from './deps';

export function createIntakeActivities({ pool, config }: ActivityDeps) {
  return {
    /** The gates are pure; this activity only loads the bundle the workflow refers to. */
    async runIntakeGates(input: { bundleHash: string; now: string }): Promise<GateResult & { kickoffTarget: string | null }> {
      const bundle = await bundleFor(pool, input.bundleHash);
      // The kickoff date travels with the bundle, so a correction by evidence reaches the release.
      return { ...checkGates(bundle, new Date(input.now), { staleAfterDays: config.STALE_AFTER_DAYS }), kickoffTarget: bundle.kickoffTarget ?? null };
    },
  };
}
