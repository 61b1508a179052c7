import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { HandoffActivities } from '../activities';
import type { DraftOutcome } from '../activities/drafting';
import type { MeasurementKind } from '../domain/measurement';
import type { OpenQuestion } from '../domain/packet';
import { openQuestionsForGateFailures } from '../domain/questions';
import { isReviewComplete, type HandoffAck, type HandoffStage, type HandoffState, type QuestionState } from '../domain/review';
import {
  checkAddEvidence,
  checkAnswer,
  checkCancel,
  checkMilestoneStatus,
  checkRequestChanges,
  checkReturnForContext,
  checkReviewDecision,
  checkSignoff,
  HandoffRuleViolation,
} from '../domain/rules';
import { dueFollowUps, firstFollowUps, markSent, nextFollowUpAt, type Followed } from '../domain/sla';
import {
  addEvidenceUpdate,
  answerQuestionUpdate,
  cancelUpdate,
  decideReviewItemUpdate,
  type HandoffInput,
  milestoneStatusUpdate,
  requestChangesUpdate,
  returnForContextUpdate,
  searchAttributes,
  signoffUpdate,
  stateQuery,
} from './definitions';

const { runIntakeGates, releaseKickoff, draftPacketWithRules, notify } = proxyActivities<HandoffActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// Bookkeeping writes (projection, audit, measurements) are short idempotent inserts: as local
// activities they cost one history event each instead of three.
const { recordProjection, recordDecision, recordMeasurement } = proxyLocalActivities<HandoffActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// The LLM path gets a few tries (transient errors, invalid output); then the rules drafter stands in.
const { draftPacket } = proxyActivities<HandoffActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['LlmRequestInvalid'] },
});

/** Where a handoff goes next; `completed` and `cancelled` end it. */
type Step = Exclude<HandoffStage, 'completed' | 'cancelled'> | 'completed';

/** What a continued-as-new run picks up. */
export interface HandoffResume {
  state: HandoffState;
  step: Step;
  pendingRedraft: boolean;
}

class HandoffCancelled extends Error {}
class TimeToContinueAsNew extends Error {}

/** One closed deal's path from evidence to a released kickoff and its first milestone. */
export async function implementationHandoff(input: HandoffInput, resume?: HandoffResume): Promise<HandoffState> {
  const { owners, sla } = input;
  const now = () => new Date().toISOString();
  const state: HandoffState = resume?.state ?? {
    handoffId: input.handoffId,
    dealId: input.dealId,
    customerName: input.customerName,
    stage: 'intake',
    bundleHash: input.bundleHash,
    gateFailures: [],
    reviewItems: [],
    openQuestions: [],
    signoffs: {},
    rework: 0,
    returnsForContext: 0,
  };
  // Set by updates, read by the stage that is waiting for them. Evidence is counted, not flagged, so
  // evidence that arrives while the handoff is still entering waiting_for_evidence is never lost.
  let evidenceReceived = 0;
  let evidenceSeen = 0;
  let pendingRedraft = resume?.pendingRedraft ?? false;
  let returnedForContext = false;

  setHandler(stateQuery, () => state);
  const ack = (): HandoffAck => ({ handoffId: state.handoffId, stage: state.stage, packetVersion: state.packet?.version });
  /** Every human action lands in the review_decisions audit table, once per request id. */
  const audit = (by: { requestId: string; actor: { id: string } }, itemId: string, decision: string, comment?: string, kind: 'review_decision' | 'signoff' = 'review_decision') =>
    recordDecision({ requestId: by.requestId, handoffId: state.handoffId, itemId, kind, principalId: by.actor.id, decision, comment, packetVersion: state.packet?.version });

  setHandler(
    decideReviewItemUpdate,
    async (decision) => {
      const item = state.reviewItems.find((i) => i.id === decision.itemId)!;
      item.decision = { decision: decision.decision, by: decision.actor.id, at: now(), comment: decision.comment };
      await audit(decision, item.id, decision.decision, decision.comment);
      return ack();
    },
    { validator: (decision) => asFailure(() => checkReviewDecision(state, decision)) },
  );

  setHandler(
    answerQuestionUpdate,
    async (answer) => {
      const question = state.openQuestions.find((q) => q.id === answer.questionId)!;
      question.answer = { text: answer.answer, by: answer.actor.id, at: now() };
      await audit(answer, `question:${question.id}`, 'answered', answer.answer);
      return ack();
    },
    { validator: (answer) => asFailure(() => checkAnswer(state, answer, owners)) },
  );

  setHandler(
    requestChangesUpdate,
    async (changes) => {
      // The comment is already part of the new bundle: the redraft reads it as evidence.
      state.bundleHash = changes.bundleHash;
      pendingRedraft = true;
      await audit(changes, `packet:v${changes.packetVersion}`, 'changes_requested', changes.comment);
      return ack();
    },
    { validator: (changes) => asFailure(() => checkRequestChanges(state, changes, owners)) },
  );

  setHandler(
    returnForContextUpdate,
    async (ret) => {
      returnedForContext = true;
      evidenceSeen = evidenceReceived;
      state.returnsForContext += 1;
      state.openQuestions.push(
        question({ id: `return-${state.returnsForContext}`, question: `Implementation returned the handoff: ${ret.reason}`, askOf: 'handoff_owner', blocking: true }),
      );
      await audit(ret, `packet:v${state.packet?.version}`, 'returned_for_context', ret.reason);
      return ack();
    },
    { validator: (ret) => asFailure(() => checkReturnForContext(state, ret, owners)) },
  );

  setHandler(
    addEvidenceUpdate,
    (evidence) => {
      state.bundleHash = evidence.bundleHash;
      if (evidence.owners) Object.assign(owners, evidence.owners);
      evidenceReceived += 1;
      return ack();
    },
    { validator: (evidence) => asFailure(() => checkAddEvidence(state, evidence, owners)) },
  );

  setHandler(
    signoffUpdate,
    async (signoff) => {
      state.signoffs[signoff.role] = { by: signoff.actor.id, at: now(), packetVersion: signoff.packetVersion, packetHash: signoff.packetHash };
      await audit(signoff, `signoff:${signoff.role}`, 'signed', signoff.comment, 'signoff');
      return ack();
    },
    { validator: (signoff) => asFailure(() => checkSignoff(state, signoff, owners)) },
  );

  setHandler(
    milestoneStatusUpdate,
    (status) => {
      state.milestone = { ...state.milestone, status: status.status, note: status.note, criteriaMet: status.criteriaMet ?? state.milestone?.criteriaMet ?? [] };
      return ack();
    },
    { validator: (status) => asFailure(() => checkMilestoneStatus(state, status, owners)) },
  );

  setHandler(
    cancelUpdate,
    (cancel) => {
      state.cancelled = { by: cancel.actor.id, at: now(), reason: cancel.reason };
      return ack();
    },
    { validator: (cancel) => asFailure(() => checkCancel(state, cancel, owners)) },
  );

  // ---- the stages ----

  /** Intake: the gates must pass; each failure becomes a question for the handoff owner. */
  async function intake(): Promise<Step> {
    evidenceSeen = evidenceReceived;
    const gates = await runIntakeGates({ bundleHash: state.bundleHash, now: now() });
    state.gateFailures = gates.failures;
    if (gates.passed) return 'drafting';
    state.openQuestions = openQuestionsForGateFailures(gates.failures).map(question);
    return 'waiting_for_evidence';
  }

  async function waitForEvidence(): Promise<Step> {
    await waitWithFollowUps(() => evidenceReceived > evidenceSeen);
    return 'intake';
  }

  async function draft(): Promise<Step> {
    const version = (state.packet?.version ?? 0) + 1;
    const request = { handoffId: state.handoffId, bundleHash: state.bundleHash, version, now: now() };
    let outcome: DraftOutcome;
    try {
      outcome = await draftPacket(request);
    } catch (err) {
      // The LLM failed for good: the handoff must not stall, so the rules drafter stands in.
      log.warn('drafting fell back to the rules drafter', { error: String(err) });
      outcome = await draftPacketWithRules({ ...request, fallbackReason: failureMessage(err) });
    }
    const routedAt = now();
    state.packet = outcome.packet;
    state.openQuestions = outcome.openQuestions.map(question);
    state.reviewItems = outcome.reviewItems.map((item) => ({ ...item, routedAt, ...firstFollowUps(routedAt, sla) }));
    state.signoffs = {};
    state.milestone = { due: outcome.firstMilestoneDue, criteriaMet: [] };
    await measure('packet_completion', outcome.packet.completeness);
    await measure('expectation_gaps', outcome.packet.impliedPromises);
    await measure('clarification_requests', state.openQuestions.filter((q) => q.askOf === 'sales').length);
    return 'in_review';
  }

  /** Review ends when all blocking items are decided and questions answered, or when it is sent back. */
  async function review(): Promise<Step> {
    await waitWithFollowUps(() => isReviewComplete(state) || pendingRedraft || returnedForContext);
    return (await afterReviewer()) ?? 'awaiting_signoff';
  }

  async function collectSignoffs(): Promise<Step> {
    await waitFor(() => (state.signoffs.sales !== undefined && state.signoffs.implementation !== undefined) || pendingRedraft || returnedForContext);
    const sentBack = await afterReviewer();
    if (sentBack) return sentBack;
    await measure('open_questions_before_kickoff', state.openQuestions.filter((q) => !q.answer).length);
    return 'kickoff_release';
  }

  /** A redraft (changes requested) or a return for context takes precedence over moving on. */
  async function afterReviewer(): Promise<Step | undefined> {
    if (returnedForContext) {
      returnedForContext = false;
      pendingRedraft = false;
      await measure('missing_context_return', 1, { count: state.returnsForContext });
      return 'waiting_for_evidence';
    }
    if (pendingRedraft) {
      pendingRedraft = false;
      state.rework += 1;
      await measure('kickoff_rework', state.rework);
      return 'drafting';
    }
    return undefined;
  }

  /** Materials that would carry an unapproved promise send those items back to review. */
  async function release(): Promise<Step> {
    const packet = state.packet!;
    const outcome = await releaseKickoff({
      handoffId: state.handoffId, customerName: state.customerName, kickoffTarget: input.kickoffTarget,
      packetVersion: packet.version, packetHash: packet.hash, systemOfRecord: input.systemOfRecord,
      approvedItemIds: state.reviewItems.filter((i) => i.decision?.decision === 'approved').map((i) => i.id),
    });
    if (outcome.released) {
      state.release = { releasedAt: outcome.releasedAt, packetVersion: packet.version };
      await measure('accepted', state.returnsForContext === 0 ? 1 : 0, { returnsForContext: state.returnsForContext });
      return 'first_milestone';
    }
    const routedAt = now();
    for (const item of state.reviewItems.filter((i) => outcome.blockingItemIds.includes(i.id))) {
      Object.assign(item, { decision: undefined, notices: undefined, routedAt, ...firstFollowUps(routedAt, sla) });
      await notify({
        dedupeKey: `${state.handoffId}:${item.id}:release_blocked:v${packet.version}`, handoffId: state.handoffId,
        kind: 'release_blocked', recipient: item.routeTo, itemId: item.id, subject: outcome.reason,
      });
    }
    state.signoffs = {};
    return 'in_review';
  }

  /** The handoff stays open to the first-milestone date; a final status (met / not met) ends it early. */
  async function followFirstMilestone(): Promise<Step> {
    const due = state.milestone?.due ? Date.parse(`${state.milestone.due}T23:59:59Z`) : Date.now();
    const isFinal = () => state.milestone?.status === 'met' || state.milestone?.status === 'not_met';
    while (!isFinal() && Date.now() < due) {
      await waitFor(isFinal, due - Date.now());
      continueAsNewIfSuggested();
    }
    const met = state.milestone?.status === 'met';
    await measure('first_milestone_readiness', met ? 1 : 0, { status: state.milestone?.status ?? 'unreported', criteriaMet: state.milestone?.criteriaMet ?? [] });
    return 'completed';
  }

  const steps: Record<Exclude<Step, 'completed'>, () => Promise<Step>> = {
    intake,
    waiting_for_evidence: waitForEvidence,
    drafting: draft,
    in_review: review,
    awaiting_signoff: collectSignoffs,
    kickoff_release: release,
    first_milestone: followFirstMilestone,
  };

  // ---- waiting, follow-ups, bookkeeping ----

  /** Waits for a business condition, leaving at once when the handoff is cancelled. */
  async function waitFor(done: () => boolean, timeoutMs?: number): Promise<boolean> {
    const ready = () => done() || state.cancelled !== undefined;
    // condition() without a timeout resolves to nothing, with one to whether the condition held.
    const met = timeoutMs === undefined ? (await condition(ready), true) : await condition(ready, timeoutMs);
    if (state.cancelled) throw new HandoffCancelled();
    return met;
  }

  /** Waits like waitFor, sending each pending item's and question's reminders and escalations when due. */
  async function waitWithFollowUps(done: () => boolean): Promise<void> {
    for (;;) {
      const pending = pendingFollowUps();
      const next = nextFollowUpAt(pending.map((p) => p.followed));
      if (await waitFor(done, next === undefined ? undefined : Math.max(next - Date.now(), 1))) return;
      await sendDueFollowUps();
      continueAsNewIfSuggested();
    }
  }

  function pendingFollowUps(): Array<{ id: string; assignee?: string; followed: Followed }> {
    return [
      ...state.reviewItems.filter((i) => !i.decision).map((i) => ({ id: i.id, assignee: i.routeTo, followed: i as Followed })),
      ...state.openQuestions.filter((q) => q.blocking && !q.answer).map((q) => ({ id: q.id, assignee: q.askedOf, followed: q as Followed })),
    ];
  }

  async function sendDueFollowUps(): Promise<void> {
    const at = Date.now();
    for (const { id, assignee, followed } of pendingFollowUps()) {
      for (const { kind, attempt } of dueFollowUps(followed, at)) {
        const recipient = kind === 'reminder' ? assignee : owners.escalation?.id ?? owners.handoffOwner?.id ?? assignee;
        if (recipient) {
          await notify({
            dedupeKey: `${state.handoffId}:${id}:${kind}:${attempt}`, handoffId: state.handoffId, kind, recipient, itemId: id,
            subject: kind === 'reminder' ? `Reminder: ${id} is waiting for you` : `Escalation: ${id} is overdue (assigned to ${assignee ?? 'nobody'})`,
          });
        }
        markSent(followed, kind, now(), sla);
      }
    }
  }

  function continueAsNewIfSuggested(): void {
    if (workflowInfo().continueAsNewSuggested) throw new TimeToContinueAsNew();
  }

  function question(q: OpenQuestion): QuestionState {
    const askedOf = { sales: owners.sales, implementation: owners.implementation, buyer: owners.sales, handoff_owner: owners.handoffOwner }[q.askOf]?.id
      ?? owners.handoffOwner?.id ?? undefined;
    const askedAt = now();
    return { ...q, askedOf, askedAt, ...firstFollowUps(askedAt, sla) };
  }

  async function enterStage(stage: HandoffStage): Promise<void> {
    state.stage = stage;
    upsertSearchAttributes([
      { key: searchAttributes.stage, value: stage },
      { key: searchAttributes.openQuestionCount, value: state.openQuestions.filter((q) => q.blocking && !q.answer).length },
      ...(owners.implementation ? [{ key: searchAttributes.implementationOwner, value: owners.implementation.id }] : []),
    ]);
    await recordProjection({
      handoffId: state.handoffId, dealId: state.dealId, customerName: state.customerName, stage, bundleHash: state.bundleHash,
      packetVersion: state.packet?.version, handoffOwner: owners.handoffOwner?.id, salesOwner: owners.sales?.id,
      implementationOwner: owners.implementation?.id, kickoffTarget: input.kickoffTarget,
      assignees: [...new Set(pendingFollowUps().flatMap((p) => (p.assignee ? [p.assignee] : [])))],
    });
  }

  async function measure(kind: MeasurementKind, value: number, detail: Record<string, unknown> = {}): Promise<void> {
    // One event per kind and packet version (and per rework or return count), so retries never double-count.
    const discriminator = kind === 'kickoff_rework' ? `r${state.rework}` : kind === 'missing_context_return' ? `x${state.returnsForContext}` : `v${state.packet?.version ?? 0}`;
    await recordMeasurement({
      handoffId: state.handoffId, dealId: state.dealId, kind, value, detail, at: now(),
      owner: owners.implementation?.id ?? undefined, key: `${state.handoffId}:${kind}:${discriminator}`,
    });
  }

  // ---- the process ----
  let step: Step = resume?.step ?? 'intake';
  try {
    while (step !== 'completed') {
      await enterStage(step);
      step = await steps[step]();
    }
    await enterStage('completed');
  } catch (err) {
    if (err instanceof TimeToContinueAsNew) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof implementationHandoff>({ ...input, owners }, { state, step, pendingRedraft });
    }
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
