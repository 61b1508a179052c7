import { storeBundle, loadBundle } from '../../src/db/bundles';
import { handoffIdFor, IntakeBundle, type EvidenceDocument, type IntakeBundleInput } from '../../src/domain/intake';
import { redactBundle } from '../../src/domain/redact';
import type { Sla } from '../../src/domain/sla';
import { HandoffInput, searchAttributes, stateQuery, WORKFLOW_TYPE } from '../../src/workflows/definitions';
import type { HandoffState } from '../../src/domain/review';
import type { Harness } from './harness';

// Starts a handoff the way the API does (redact, store, start), for tests that drive Temporal directly.

export const hoursSla: Sla = { reminderAfterS: 24 * 3600, escalateAfterS: 48 * 3600, repeatEveryS: 24 * 3600 };

export async function startHandoff(h: Harness, raw: IntakeBundleInput, sla: Sla = hoursSla) {
  const { bundle } = redactBundle(IntakeBundle.parse(raw));
  const bundleHash = await storeBundle(h.pool, bundle);
  const input: HandoffInput = {
    handoffId: handoffIdFor(bundle.dealId),
    dealId: bundle.dealId,
    customerName: bundle.customer.name,
    bundleHash,
    kickoffTarget: bundle.kickoffTarget,
    systemOfRecord: bundle.systemOfRecord,
    owners: bundle.owners,
    sla,
  };
  const handle = await h.client.workflow.start(WORKFLOW_TYPE, {
    workflowId: input.handoffId,
    taskQueue: h.config.TEMPORAL_TASK_QUEUE,
    args: [input],
    typedSearchAttributes: [{ key: searchAttributes.dealId, value: bundle.dealId }],
  });
  return { handle, handoffId: input.handoffId, bundle };
}

/** Adds documents to the stored bundle, as the API's evidence and changes routes do. */
export async function bundleWith(h: Harness, bundleHash: string, documents: EvidenceDocument[]): Promise<string> {
  const current = await loadBundle(h.pool, bundleHash);
  return storeBundle(h.pool, { ...current, documents: [...current.documents, ...documents] });
}

export async function waitForState(
  h: Harness,
  handoffId: string,
  ready: (state: HandoffState) => boolean,
  timeoutMs = 30_000,
): Promise<HandoffState> {
  const deadline = Date.now() + timeoutMs;
  let last: HandoffState | undefined;
  while (Date.now() < deadline) {
    last = await h.client.workflow.getHandle(handoffId).query(stateQuery);
    if (ready(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`handoff ${handoffId} never reached the expected state; last: ${JSON.stringify(last)}`);
}

export const inStage = (...stages: HandoffState['stage'][]) => (s: HandoffState) => stages.includes(s.stage);
