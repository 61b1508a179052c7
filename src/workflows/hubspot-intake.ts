import { ActivityFailure, ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { HubspotActivities } from '../activities/hubspot';
import type { HubspotIntakeInput, HubspotIntakeResult } from './hubspot-definitions';

export { HUBSPOT_INTAKE_WORKFLOW } from './hubspot-definitions';

/** The activity's verdict on a deal no retry can fix (missing name, malformed dates, a deleted deal). */
const INVALID = 'InvalidHubspotDeal';

/**
 * A HubSpot deal that entered a closed-won stage: read it from HubSpot into an intake bundle (stored,
 * redacted, in Postgres: only its hash passes through history), then start its handoff. Outages and
 * 429s are retried by Temporal without limit, so nothing is lost; invalid data fails this workflow with
 * the reason (visible in the Temporal UI), and a later closed-won event for the fixed deal runs it again.
 */
export async function hubspotIntake(input: HubspotIntakeInput): Promise<HubspotIntakeResult> {
  const { buildHubspotIntake, startHubspotHandoff } = proxyActivities<HubspotActivities>({
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: input.retry.initialIntervalS * 1000,
      backoffCoefficient: 2,
      maximumInterval: input.retry.maximumIntervalS * 1000,
      nonRetryableErrorTypes: [INVALID],
    },
  });
  try {
    const intake = await buildHubspotIntake({ objectId: input.objectId });
    const started = await startHubspotHandoff({ bundleHash: intake.bundleHash, dealId: intake.dealId });
    return { dealId: intake.dealId, ...started, documentIds: intake.documentIds, skipped: intake.skipped };
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === INVALID) {
      log.warn('HubSpot deal cannot start a handoff', { objectId: input.objectId, reason: err.cause.message });
      throw ApplicationFailure.nonRetryable(`HubSpot deal ${input.objectId} cannot start a handoff: ${err.cause.message}`, INVALID);
    }
    throw err;
  }
}
