import type { ActivityDeps } from './deps';
import { createDraftingActivities } from './drafting';
import { withHeartbeat } from './heartbeat';
import { createHubspotActivities } from './hubspot';
import { createIntakeActivities } from './intake';
import { createNotificationActivities } from './notifications';
import { createRecordActivities } from './records';
import { createReleaseActivities } from './release';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  const drafting = createDraftingActivities(deps);
  return {
    ...createIntakeActivities(deps),
    ...drafting,
    // An LLM call can take minutes: heartbeats let a lost attempt be retried within seconds.
    draftPacket: withHeartbeat(drafting.draftPacket),
    ...createRecordActivities(deps),
    ...createReleaseActivities(deps),
    ...createNotificationActivities(deps),
    ...createHubspotActivities(deps),
  };
}

export type HandoffActivities = ReturnType<typeof createActivities>;
