import {
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { HandoffActivities } from '../activities';
import type { DraftOutcome } from '../activities/drafting';
import type { GateFailure } from '../domain/packet';
import { isReviewComplete, type HandoffStage, type HandoffState } from '../domain/review';
import { checkAddEvidence, checkCancel, checkReviewDecision, checkSignoff, HandoffRuleViolation } from '../domain/rules';
import { openQuestionsForGateFailures } from '../domain/questions';
import type { MeasurementKind } from '../domain/measurement';
import {
  addEvidenceUpdate,
  cancelUpdate,
  decideReviewItemUpdate,
  type HandoffInput,
  searchAttributes,
  signoffUpdate,
  stateQuery,
} from './definitions';

const { runIntakeGates, recordProjection, recordDecision, recordMeasurement, releaseKickoff, draftPacketWithRules } =
  proxyActivities<HandoffActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });

// The LLM path gets a few tries (transient errors, invalid output); then the rules drafter stands in.
const { draftPacket } = proxyActivities<HandoffActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['LlmRequestInvalid'] },
});

class HandoffCancelled extends Error {}

/** One closed deal's path from evidence to a released kickoff. */
export async function implementationHandoff(input: HandoffInput): Promise<HandoffState> {
  const state: HandoffState = {
    handoffId: input.handoffId,
    dealId: input.dealId,
    customerName: input.customerName,
    stage: 'intake',
    gateFailures: [],
    reviewItems: [],
    openQuestions: [],
    signoffs: {},
  };
  let bundleHash = input.bundleHash;
  let evidenceAdded = false;
  const now = () => new Date().toISOString();

  setHandler(stateQuery, () => state);

  setHandler(
    decideReviewItemUpdate,
    async (decision) => {
      const item = state.reviewItems.find((i) => i.id === decision.itemId)!;
      item.decision = { decision: decision.decision, by: decision.actor.id, at: now(), comment: decision.comment };
      await recordDecision({
        requestId: decision.requestId, handoffId: state.handoffId, itemId: item.id, kind: 'review_decision',
        principalId: decision.actor.id, decision: decision.decision, comment: decision.comment, packetVersion: decision.packetVersion,
      });
      return state;
    },
    { validator: (decision) => asFailure(() => checkReviewDecision(state, decision)) },
  );

  setHandler(
    signoffUpdate,
    async (signoff) => {
      state.signoffs[signoff.role] = { by: signoff.actor.id, at: now(), packetVersion: signoff.packetVersion, packetHash: signoff.packetHash };
      await recordDecision({
        requestId: signoff.requestId, handoffId: state.handoffId, itemId: `signoff:${signoff.role}`, kind: 'signoff',
        principalId: signoff.actor.id, decision: 'signed', comment: signoff.comment, packetVersion: signoff.packetVersion,
      });
      return state;
    },
    { validator: (signoff) => asFailure(() => checkSignoff(state, signoff, input.owners)) },
  );

  setHandler(
    addEvidenceUpdate,
    (evidence) => {
      bundleHash = evidence.bundleHash;
      evidenceAdded = true;
      return state;
    },
    { validator: (evidence) => asFailure(() => checkAddEvidence(state, evidence, input.owners)) },
  );

  setHandler(
    cancelUpdate,
    (cancel) => {
      state.cancelled = { by: cancel.actor.id, at: now(), reason: cancel.reason };
      return state;
    },
    { validator: (cancel) => asFailure(() => checkCancel(state, cancel, input.owners)) },
  );

  /** Waits for a business condition, leaving at once when the handoff is cancelled. */
  async function waitFor(done: () => boolean): Promise<void> {
    await condition(() => done() || state.cancelled !== undefined);
    if (state.cancelled) throw new HandoffCancelled();
  }

  async function enterStage(stage: HandoffStage): Promise<void> {
    state.stage = stage;
    upsertSearchAttributes([
      { key: searchAttributes.stage, value: stage },
      { key: searchAttributes.openQuestionCount, value: state.openQuestions.filter((q) => q.blocking).length },
    ]);
    await recordProjection({
      handoffId: state.handoffId, dealId: state.dealId, customerName: state.customerName, stage, bundleHash,
      packetVersion: state.packet?.version, handoffOwner: input.owners.handoffOwner?.id ?? undefined,
      salesOwner: input.owners.sales?.id ?? undefined, implementationOwner: input.owners.implementation?.id ?? undefined,
      kickoffTarget: input.kickoffTarget,
    });
  }

  async function measure(kind: MeasurementKind, value: number, detail: Record<string, unknown> = {}): Promise<void> {
    await recordMeasurement({
      handoffId: state.handoffId, dealId: state.dealId, kind, value, detail, at: now(),
      owner: input.owners.implementation?.id ?? undefined,
      key: `${state.handoffId}:${kind}:${state.packet?.version ?? 0}`,
    });
  }

  /** Intake: the gates must pass; each failure is a question for the handoff owner until evidence fixes it. */
  async function passIntakeGates(): Promise<void> {
    for (;;) {
      await enterStage('intake');
      const gates = await runIntakeGates({ bundleHash, now: now() });
      state.gateFailures = gates.failures;
      if (gates.passed) return;
      state.openQuestions = openQuestionsForGateFailures(gates.failures as GateFailure[]);
      await enterStage('waiting_for_evidence');
      evidenceAdded = false;
      await waitFor(() => evidenceAdded);
    }
  }

  async function draft(): Promise<void> {
    await enterStage('drafting');
    const version = (state.packet?.version ?? 0) + 1;
    const request = { handoffId: state.handoffId, bundleHash, version, now: now() };
    let outcome: DraftOutcome;
    try {
      outcome = await draftPacket(request);
    } catch (err) {
      // The LLM failed for good: the handoff must not stall, so the rules drafter stands in.
      log.warn('drafting fell back to the rules drafter', { error: String(err) });
      outcome = await draftPacketWithRules({ ...request, fallbackReason: failureMessage(err) });
    }
    state.packet = outcome.packet;
    state.openQuestions = outcome.openQuestions;
    state.reviewItems = outcome.reviewItems.map((item) => ({ ...item, routedAt: now() }));
    state.signoffs = {};
    await measure('packet_completion', outcome.packet.completeness);
    await measure('expectation_gaps', outcome.packet.impliedPromises);
  }

  async function review(): Promise<void> {
    await enterStage('in_review');
    await waitFor(() => isReviewComplete(state));
  }

  async function collectSignoffs(): Promise<void> {
    await enterStage('awaiting_signoff');
    await waitFor(() => state.signoffs.sales !== undefined && state.signoffs.implementation !== undefined);
    await measure('open_questions_before_kickoff', state.openQuestions.length);
  }

  /** Returns false when the materials would carry an unapproved promise: those items go back to review. */
  async function release(): Promise<boolean> {
    await enterStage('kickoff_release');
    const packet = state.packet!;
    const outcome = await releaseKickoff({
      handoffId: state.handoffId, customerName: state.customerName, kickoffTarget: input.kickoffTarget,
      packetVersion: packet.version, packetHash: packet.hash, systemOfRecord: input.systemOfRecord,
      approvedItemIds: state.reviewItems.filter((i) => i.decision?.decision === 'approved').map((i) => i.id),
    });
    if (outcome.released) {
      state.release = { releasedAt: outcome.releasedAt, packetVersion: packet.version };
      return true;
    }
    for (const item of state.reviewItems) {
      if (outcome.blockingItemIds.includes(item.id)) {
        item.decision = undefined;
        item.routedAt = now();
      }
    }
    state.signoffs = {};
    return false;
  }

  try {
    await passIntakeGates();
    await draft();
    do {
      await review();
      await collectSignoffs();
    } while (!(await release()));
    await measure('accepted', 1);
    await enterStage('completed');
  } catch (err) {
    if (!(err instanceof HandoffCancelled)) throw err;
    await enterStage('cancelled');
  }
  return state;
}

/** Validators reject by throwing; an ApplicationFailure's type tells the API which status to answer. */
function asFailure(check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof HandoffRuleViolation) throw ApplicationFailure.create({ type: err.kind, message: err.message, nonRetryable: true });
    throw err;
  }
}

function failureMessage(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}
