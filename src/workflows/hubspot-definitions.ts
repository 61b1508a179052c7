// The HubSpot intake workflow's name, id and input: shared by the webhook route and the workflow,
// and light (no imports) so the workflow bundle gains nothing by it.

export const HUBSPOT_INTAKE_WORKFLOW = 'hubspotIntake';

/** One intake per HubSpot deal: a repeated delivery of its closed-won event finds this id taken. */
export const hubspotIntakeWorkflowId = (objectId: string): string => `hubspot-deal-${objectId}`;

export interface HubspotIntakeInput {
  /** The HubSpot deal id. */
  objectId: string;
  /** The webhook event that started the intake, for the history. */
  eventId: string;
  /** The closed-won stage id the deal entered. */
  stage: string;
  /** Activity retry timing (seconds), from config: HubSpot outages and rate limits wait, never fail the intake. */
  retry: { initialIntervalS: number; maximumIntervalS: number };
}

export interface HubspotIntakeResult {
  dealId: string;
  handoffId: string;
  /** False when the deal's handoff was running (or had finished) already. */
  created: boolean;
  documentIds: string[];
  /** Files and records left out of the bundle, each with the reason (binaries, oversize, over the document limit). */
  skipped: Array<{ id: string; reason: string }>;
}
