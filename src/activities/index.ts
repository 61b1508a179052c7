import type { ActivityDeps } from './deps';
import { createDraftingActivities } from './drafting';
import { createIntakeActivities } from './intake';
import { createNotificationActivities } from './notifications';
import { createRecordActivities } from './records';
import { createReleaseActivities } from './release';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createIntakeActivities(deps),
    ...createDraftingActivities(deps),
    ...createRecordActivities(deps),
    ...createReleaseActivities(deps),
    ...createNotificationActivities(deps),
  };
}

export type HandoffActivities = ReturnType<typeof createActivities>;
