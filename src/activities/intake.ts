import { checkGates } from '../domain/gates';
import type { GateResult } from '../domain/packet';
import type { ProgressChanges } from '../db/read-model';
import { bundleFor } from './bundle';
import { writeProgressInOrder } from './records';
import type { ActivityDeps } from './deps';

export function createIntakeActivities({ pool, config }: ActivityDeps) {
  return {
    /** The gates are pure; this activity only loads the bundle the workflow refers to. */
    async runIntakeGates(input: { bundleHash: string; now: string; progress?: ProgressChanges }): Promise<GateResult & { kickoffTarget: string | null }> {
      // The stage's entry in the read model comes with its first activity (one activity, not two).
      if (input.progress) await writeProgressInOrder(pool, input.progress);
      const bundle = await bundleFor(pool, input.bundleHash);
      // The kickoff date travels with the bundle, so a correction by evidence reaches the release.
      return { ...checkGates(bundle, new Date(input.now), { staleAfterDays: config.STALE_AFTER_DAYS }), kickoffTarget: bundle.kickoffTarget ?? null };
    },
  };
}
