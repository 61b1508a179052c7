import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { HandoffActivities } from '../activities';
import type { DraftOutcome } from '../activities/drafting';
import type { DecisionRecord } from '../activities/records';
import type { CompactDecision, CompactMeasurement, ProgressChanges } from '../db/read-model';
import type { MeasurementEvent, MeasurementKind } from '../domain/measurement';
import { initialHandoffState, ownerIds } from '../domain/initial-state';
import { pendingItems } from '../domain/pending';
import { diff, snapshot, valueAt, type Change } from '../domain/state-delta';
import type { OpenQuestion } from '../domain/packet';
import { openQuestionsForGateFailures } from '../domain/questions';
import type { HandoffAck, HandoffStage, HandoffState, QuestionState } from '../domain/review';
import { isReviewComplete, outcomeOf, type HandoffOutcome } from '../domain/review-progress';
import {
  checkAddEvidence,
  checkAnswer,
  checkCancel,
  checkChangeOwners,
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
  changeOwnersUpdate,
  decideReviewItemUpdate,
  type HandoffInput,
  milestoneStatusUpdate,
  requestChangesUpdate,
  returnForContextUpdate,
  searchAttributes,
  signoffUpdate,
  stateQuery,
} from './definitions';

// InvalidHandoffData: the bundle holds something no retry can fix; the handoff owner is asked instead.
const { runIntakeGates, releaseKickoff, draftPacketWithRules, notify } = proxyActivities<HandoffActivities>({
  // Short: these are quick writes and checks, and an attempt lost with its worker is retried after this.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: ['InvalidHandoffData'] },
});

// Runs recorded before the BOOKKEEPING_AS_ACTIVITIES patch wrote bookkeeping as local activities.
const { recordProjection, recordDecision, recordMeasurement } = proxyLocalActivities<HandoffActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// Bookkeeping as one ordinary activity per step: audit rows, measurements and the read model in one
// write, recorded in history like every other event. Local activities are not used: their results are
// not ordered with updates and timers the same way live and on replay, and under load that made
// handoffs unreplayable.
const { recordProgress } = proxyActivities<HandoffActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// The LLM path gets a few tries (transient errors, invalid output); then the rules drafter stands in.
const { draftPacket } = proxyActivities<HandoffActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['LlmRequestInvalid', 'InvalidHandoffData'] },
});

/** Where a handoff goes next; `completed` and `cancelled` end it. */
type Step = Exclude<HandoffStage, 'completed' | 'cancelled'> | 'completed';

/**
 * Everything a run needs besides its input, carried whole across continue-as-new so nothing that
 * arrived while reminders went out is lost.
 */
export interface HandoffResume {
  state: HandoffState;
  step: Step;
  pendingRedraft: boolean;
  /** Evidence is counted, not flagged: evidence that arrives while a stage is being entered is never lost. */
  evidenceReceived?: number;
  evidenceSeen?: number;
  returnedForContext?: boolean;
  /** Decisions taken by update handlers and not yet written to the audit table. */
  auditQueue?: DecisionRecord[];
  measurementQueue?: MeasurementEvent[];
}

/**
 * Update handlers queue their audit rows instead of writing them: a handler that awaits a local
 * activity makes its outcome depend on completion order, which differs between live runs and replay.
 * Histories recorded before this patch wrote from the handler, and keep doing so when replayed.
 */
export const QUEUED_AUDIT_PATCH = 'handlers-queue-audit-rows';

/** Follow-ups and the milestone wait decide by the timer that fired, not by reading the clock. */
export const TIME_BY_TIMERS_PATCH = 'decide-by-timers-not-clock';

/** Bookkeeping (audit, measurements, read model) as one ordinary activity per step, never a local one. */
export const BOOKKEEPING_AS_ACTIVITIES_PATCH = 'bookkeeping-as-activities';

/**
 * Progress goes out as changes, not snapshots: each update answers its own changes (the API applies
 * them, so an action reads its own write without waiting for the workflow), and the workflow writes
 * what changed since its last write at stage entries, after follow-ups, and a few seconds after a
 * burst of updates (in case no API applied them). History keeps each fact about once.
 */
export const PROGRESS_AS_CHANGES_PATCH = 'progress-as-changes';

/** How long update changes may wait for the workflow's own write (the API has usually written them). */
const WRITE_BEHIND_MS = 5_000;

/** An audit row without what its writer knows already (the handoff): history keeps it smaller. */
function compactDecision({ handoffId: _handoffId, ...row }: DecisionRecord): CompactDecision {
  return row;
}

/** A measurement without what its writer derives from the handoff (ids, key prefix). */
function compactMeasurement({ handoffId, dealId: _dealId, key, detail, ...event }: MeasurementEvent): CompactMeasurement {
  return { ...event, ...(detail && Object.keys(detail).length ? { detail } : {}), discriminator: key.slice(`${handoffId}:${event.kind}:`.length) };
}

/** Where an update handler started: the document before it, and how many audit rows were queued. */
interface Mark {
  before: string;
  queued: number;
}

class HandoffCancelled extends Error {}
class TimeToContinueAsNew extends Error {}

/** One closed deal's path from evidence to a released kickoff and its first milestone. */
export async function implementationHandoff(input: HandoffInput, resume?: HandoffResume): Promise<HandoffOutcome> {
  const { owners, sla } = input;
  const now = () => new Date().toISOString();
  const state: HandoffState = resume?.state ?? initialHandoffState(input);
  // Set by updates, read by the stage that is waiting for them.
  let evidenceReceived = resume?.evidenceReceived ?? 0;
  let evidenceSeen = resume?.evidenceSeen ?? 0;
  let pendingRedraft = resume?.pendingRedraft ?? false;
  let returnedForContext = resume?.returnedForContext ?? false;
  const auditQueue: DecisionRecord[] = resume?.auditQueue ?? [];
  // Decided once, at the start: a run recorded before a patch keeps the old behaviour to its end.
  // A new run records the newest patch only (each patch costs a marker and a search-attribute upsert
  // in history); it implies the older ones. Runs recorded before it ask for those in their order.
  const sendsChanges = patched(PROGRESS_AS_CHANGES_PATCH);
  const queuesAudit = sendsChanges || patched(QUEUED_AUDIT_PATCH);
  const decidesByTimers = sendsChanges || patched(TIME_BY_TIMERS_PATCH);
  const writesProgress = sendsChanges || patched(BOOKKEEPING_AS_ACTIVITIES_PATCH);
  const measurementQueue: MeasurementEvent[] = resume?.measurementQueue ?? [];
  // Progress writes under way: not awaited (they are idempotent and ordered by revision), except at exit.
  const writes: Array<Promise<void>> = [];
  let writtenRevision = writesProgress ? -1 : 0;
  // Under the changes patch: the document at the current revision, the one last written by the
  // workflow, and the paths updates changed since then (the API may have applied those).
  let known = '';
  let lastWritten: string | undefined;
  let touched: string[][] = [];
  let writeChain: Promise<void> = Promise.resolve();
  // A stage whose first step is an activity hands its entry write to that activity.
  let carrying = false;
  let carried: ProgressChanges | undefined;
  const upserted = new Map<string, string>();

  setHandler(stateQuery, () => state);
  /** Every update answers this; under the progress patch it also names the revision it produced. */
  const ack = (mark?: Mark): HandoffAck => {
    if (!writesProgress) return { handoffId: state.handoffId, stage: state.stage, packetVersion: state.packet?.version };
    if (!sendsChanges || !mark) {
      state.revision = (state.revision ?? 0) + 1;
      return { handoffId: state.handoffId, stage: state.stage, packetVersion: state.packet?.version, revision: state.revision };
    }
    const current = snapshot(readModelDoc());
    const changes = diff(JSON.parse(mark.before), current);
    touched.push(...changes.map((c) => c.path));
    const base = state.revision ?? 0;
    state.revision = base + 1;
    known = JSON.stringify(current);
    return {
      handoffId: state.handoffId, stage: state.stage, packetVersion: state.packet?.version, revision: state.revision,
      base, changes,
      // Only what the API cannot know: it fills in the request id, the actor and the packet version.
      audit: auditQueue.slice(mark.queued).map(({ itemId, kind, decision, comment }) => ({ itemId, kind, decision, comment })),
    };
  };
  /** Where an update starts from: the document at the current revision, and the audit rows already queued. */
  const begin = (): Mark | undefined => {
    if (!sendsChanges) return undefined;
    syncInternal();
    return { before: known, queued: auditQueue.length };
  };
  /**
   * Every human action lands in the review_decisions audit table, once per request id. Handlers only
   * queue the row; the main loop writes queued rows in order (flushAudit). Under the changes patch a
   * handler does not even await the queued row: it never yields, so the changes it answers are its own.
   */
  const audit = (by: { requestId: string; actor: { id: string } }, itemId: string, decision: string, comment?: string, kind: DecisionRecord['kind'] = 'review_decision') => {
    const row: DecisionRecord = { requestId: by.requestId, handoffId: state.handoffId, itemId, kind, principalId: by.actor.id, decision, comment, packetVersion: state.packet?.version };
    if (queuesAudit) {
      auditQueue.push(row);
      return Promise.resolve();
    }
    return recordDecision(row);
  };

  setHandler(
    decideReviewItemUpdate,
    async (decision) => {
      const mark = begin();
      const item = state.reviewItems.find((i) => i.id === decision.itemId)!;
      item.decision = { decision: decision.decision, by: decision.actor.id, at: now(), comment: decision.comment };
      const audited = audit(decision, item.id, decision.decision, decision.comment);
      if (!sendsChanges) await audited;
      return ack(mark);
    },
    { validator: (decision) => asFailure(() => checkReviewDecision(state, decision)) },
  );

  setHandler(
    answerQuestionUpdate,
    async (answer) => {
      const mark = begin();
      const question = state.openQuestions.find((q) => q.id === answer.questionId)!;
      question.answer = { text: answer.answer, by: answer.actor.id, at: now() };
      const audited = audit(answer, `question:${question.id}`, 'answered', answer.answer);
      if (!sendsChanges) await audited;
      return ack(mark);
    },
    { validator: (answer) => asFailure(() => checkAnswer(state, answer, owners)) },
  );

  setHandler(
    requestChangesUpdate,
    async (changes) => {
      const mark = begin();
      // The comment is already part of the new bundle: the redraft reads it as evidence.
      state.bundleHash = changes.bundleHash;
      pendingRedraft = true;
      const audited = audit(changes, `packet:v${changes.packetVersion}`, 'changes_requested', changes.comment);
      if (!sendsChanges) await audited;
      return ack(mark);
    },
    { validator: (changes) => asFailure(() => checkRequestChanges(state, changes, owners)) },
  );

  setHandler(
    returnForContextUpdate,
    async (ret) => {
      const mark = begin();
      returnedForContext = true;
      evidenceSeen = evidenceReceived;
      state.returnsForContext += 1;
      state.openQuestions.push(
        question({ id: `return-${state.returnsForContext}`, question: `Implementation returned the handoff: ${ret.reason}`, askOf: 'handoff_owner', blocking: true }),
      );
      const audited = audit(ret, `packet:v${state.packet?.version}`, 'returned_for_context', ret.reason);
      if (!sendsChanges) await audited;
      return ack(mark);
    },
    { validator: (ret) => asFailure(() => checkReturnForContext(state, ret, owners)) },
  );

  setHandler(
    addEvidenceUpdate,
    (evidence) => {
      const mark = begin();
      state.bundleHash = evidence.bundleHash;
      if (evidence.kickoffTarget) state.kickoffTarget = evidence.kickoffTarget;
      if (evidence.owners) Object.assign(owners, evidence.owners);
      evidenceReceived += 1;
      return ack(mark);
    },
    { validator: (evidence) => asFailure(() => checkAddEvidence(state, evidence, owners)) },
  );

  setHandler(
    signoffUpdate,
    async (signoff) => {
      const mark = begin();
      state.signoffs[signoff.role] = { by: signoff.actor.id, at: now(), packetVersion: signoff.packetVersion, packetHash: signoff.packetHash };
      const audited = audit(signoff, `signoff:${signoff.role}`, 'signed', signoff.comment, 'signoff');
      if (!sendsChanges) await audited;
      return ack(mark);
    },
    { validator: (signoff) => asFailure(() => checkSignoff(state, signoff, owners)) },
  );

  setHandler(
    milestoneStatusUpdate,
    (status) => {
      const mark = begin();
      state.milestone = { ...state.milestone, status: status.status, note: status.note, criteriaMet: status.criteriaMet ?? state.milestone?.criteriaMet ?? [] };
      if (queuesAudit) void audit(status, 'milestone', status.status, status.note, 'milestone');
      return ack(mark);
    },
    { validator: (status) => asFailure(() => checkMilestoneStatus(state, status, owners)) },
  );

  setHandler(
    cancelUpdate,
    (cancel) => {
      const mark = begin();
      state.cancelled = { by: cancel.actor.id, at: now(), reason: cancel.reason };
      // Histories from before the patch did not audit cancellations; they must not start now.
      if (queuesAudit) void audit(cancel, 'handoff', 'cancelled', cancel.reason, 'cancel');
      return ack(mark);
    },
    { validator: (cancel) => asFailure(() => checkCancel(state, cancel, owners)) },
  );

  setHandler(
    changeOwnersUpdate,
    async (change) => {
      const mark = begin();
      Object.assign(owners, change.owners);
      // A signoff binds its signer: one given by someone who no longer holds that role is void.
      for (const role of ['sales', 'implementation'] as const) {
        if (state.signoffs[role] && state.signoffs[role]!.by !== owners[role]?.id) delete state.signoffs[role];
      }
      for (const q of state.openQuestions.filter((q) => !q.answer)) q.askedOf = askedOf(q);
      const audited = audit(change, 'owners', 'owners_changed', `${change.reason} (${JSON.stringify(change.owners)})`, 'owner_change');
      if (!sendsChanges) await audited;
      return ack(mark);
    },
    { validator: (change) => asFailure(() => checkChangeOwners(state, change, owners)) },
  );

  // ---- the stages ----

  /** Intake: the gates must pass; each failure becomes a question for the handoff owner. */
  async function intake(): Promise<Step> {
    evidenceSeen = evidenceReceived;
    const carry = sendsChanges ? await carriedWrite() : {};
    const gates = await chained(runIntakeGates({ bundleHash: state.bundleHash, now: now(), ...carry }), carry);
    state.gateFailures = gates.failures;
    // Older gate results carry no kickoff date; the input's then stands.
    if (gates.kickoffTarget !== undefined) state.kickoffTarget = gates.kickoffTarget ?? undefined;
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
    const carry = sendsChanges ? await carriedWrite() : {};
    const request = { handoffId: state.handoffId, bundleHash: state.bundleHash, version, now: now(), ...carry };
    let outcome: DraftOutcome;
    try {
      outcome = await chained(draftPacket(request), carry);
    } catch (err) {
      if (isInvalidData(err)) throw err;
      // The LLM failed for good: the handoff must not stall, so the rules drafter stands in.
      log.warn('drafting fell back to the rules drafter', { error: String(err) });
      // It carries the stage's entry again, in case no attempt above got as far as writing it.
      outcome = await chained(draftPacketWithRules({ ...request, fallbackReason: failureMessage(err) }), carry);
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
      // One event per rework: the summary adds them up.
      await measure('kickoff_rework', 1, { rework: state.rework });
      return 'drafting';
    }
    return undefined;
  }

  /** Materials that would carry an unapproved promise send those items back to review. */
  async function release(): Promise<Step> {
    const packet = state.packet!;
    const carry = sendsChanges ? await carriedWrite() : {};
    const outcome = await chained(releaseKickoff({
      handoffId: state.handoffId, customerName: state.customerName, bundleHash: state.bundleHash,
      kickoffTarget: state.kickoffTarget ?? input.kickoffTarget, systemOfRecord: input.systemOfRecord,
      packetVersion: packet.version, packetHash: packet.hash,
      approvedItemIds: state.reviewItems.filter((i) => i.decision?.decision === 'approved').map((i) => i.id),
      ...carry,
    }), carry);
    if (outcome.released) {
      state.release = { releasedAt: outcome.releasedAt, packetVersion: packet.version };
      state.releaseBlocked = undefined;
      await measure('accepted', state.returnsForContext === 0 ? 1 : 0, { returnsForContext: state.returnsForContext });
      return 'first_milestone';
    }
    const routedAt = now();
    const blocking = state.reviewItems.filter((i) => outcome.blockingItemIds.includes(i.id));
    if (blocking.length === 0) return waitOutBlockedRelease(outcome.reason);
    for (const item of blocking) {
      Object.assign(item, { decision: undefined, notices: undefined, routedAt, ...firstFollowUps(routedAt, sla) });
      await notify({
        dedupeKey: `${state.handoffId}:${item.id}:release_blocked:v${packet.version}`, handoffId: state.handoffId,
        kind: 'release_blocked', recipient: item.routeTo, itemId: item.id, subject: outcome.reason,
      });
    }
    state.signoffs = {};
    return 'in_review';
  }

  /**
   * No review item explains the block, so another round of review and signoff would end the same way:
   * the handoff owner is asked, and the handoff waits for a redraft or a return for context.
   */
  async function waitOutBlockedRelease(reason: string): Promise<Step> {
    const version = state.packet!.version;
    state.releaseBlocked = { reason, at: now(), packetVersion: version };
    const id = `release-blocked-v${version}`;
    if (!state.openQuestions.some((q) => q.id === id)) {
      state.openQuestions.push(question({
        id, blocking: true, askOf: 'handoff_owner',
        question: `Kickoff release is blocked: ${reason}. Request changes to redraft the packet, or return it for context.`,
      }));
    }
    await waitFor(() => pendingRedraft || returnedForContext);
    state.releaseBlocked = undefined;
    return (await afterReviewer()) ?? 'in_review';
  }

  /** The handoff stays open to the first-milestone date; a final status (met / not met) ends it early. */
  async function followFirstMilestone(): Promise<Step> {
    const due = state.milestone?.due ? Date.parse(`${state.milestone.due}T23:59:59Z`) : Date.now();
    const isFinal = () => state.milestone?.status === 'met' || state.milestone?.status === 'not_met';
    if (decidesByTimers) {
      // One timer to the due date (at least a tick): whether to wait never depends on the clock.
      if (!isFinal()) await waitFor(isFinal, Math.max(due - Date.now(), 1));
    } else {
      while (!isFinal() && Date.now() < due) {
        await waitFor(isFinal, due - Date.now());
        continueAsNewIfSuggested();
      }
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
    const met = await conditionWritingAudit(ready, timeoutMs);
    if (state.cancelled) throw new HandoffCancelled();
    return met;
  }

  /**
   * condition(ready, timeoutMs), except that what update handlers changed is written while waiting
   * (queued audit rows, and under the progress patch the read model). One timer for the whole wait, as
   * condition() itself would start, so a decision adds its write and nothing more to history.
   */
  async function conditionWritingAudit(ready: () => boolean, timeoutMs?: number): Promise<boolean> {
    if (sendsChanges) return conditionWritingBehind(ready, timeoutMs);
    const wake = () => ready() || auditQueue.length > 0 || dirty();
    if (timeoutMs === undefined) {
      for (;;) {
        await condition(wake);
        await flushAudit();
        if (ready()) return true;
      }
    }
    return CancellationScope.cancellable(async () => {
      let timedOut = false;
      const timer = sleep(timeoutMs).then(() => {
        timedOut = true;
      });
      try {
        for (;;) {
          await Promise.race([timer, condition(wake)]);
          await flushAudit();
          if (ready()) return true;
          if (timedOut) return false;
        }
      } finally {
        CancellationScope.current().cancel();
      }
    });
  }

  /**
   * condition(ready, timeoutMs) under the changes patch. The workflow's own changes are written at
   * once; changes made by updates (which the API applies itself) are written WRITE_BEHIND_MS after
   * the first of them, unless the wait ends first (the stage entry that follows writes them).
   */
  async function conditionWritingBehind(ready: () => boolean, timeoutMs?: number): Promise<boolean> {
    return CancellationScope.cancellable(async () => {
      let timedOut = false;
      let writeDue = false;
      let writeTimer = false;
      if (timeoutMs !== undefined) sleep(timeoutMs).then(() => (timedOut = true)).catch(() => undefined);
      try {
        for (;;) {
          syncInternal();
          await condition(() => ready() || timedOut || writeDue || (dirty() && !writeTimer));
          if (ready()) return true;
          if (timedOut) return false;
          if (writeDue) {
            writeDue = writeTimer = false;
            if (dirty()) writeProgress();
          } else {
            writeTimer = true;
            sleep(WRITE_BEHIND_MS).then(() => (writeDue = true)).catch(() => undefined);
          }
        }
      } finally {
        CancellationScope.current().cancel();
      }
    });
  }

  /** Under the changes patch: the workflow's own changes since the current revision get a revision and are written. */
  function syncInternal(): void {
    if (!sendsChanges) return;
    const current = JSON.stringify(readModelDoc());
    if (current === known) return;
    state.revision = (state.revision ?? 0) + 1;
    known = current;
    writeProgress();
  }

  /** What the read model keeps of this handoff (its revision travels beside it). */
  function readModelDoc() {
    return {
      state: { ...state, revision: undefined },
      owners: ownerIds(owners),
      kickoffTarget: state.kickoffTarget ?? input.kickoffTarget,
    };
  }

  /**
   * Under the progress patch: schedules one progress write if anything changed. Before it: writes
   * queued audit rows one at a time, in the order the updates were handled.
   */
  async function flushAudit(): Promise<void> {
    if (writesProgress) {
      if (dirty() || auditQueue.length > 0) writeProgress();
      return;
    }
    while (auditQueue.length > 0) {
      await recordDecision(auditQueue[0]);
      auditQueue.shift();
    }
  }

  /** Waits like waitFor, sending each pending item's and question's reminders and escalations when due. */
  async function waitWithFollowUps(done: () => boolean): Promise<void> {
    for (;;) {
      const pending = pendingFollowUps();
      const next = nextFollowUpAt(pending.map((p) => p.followed));
      if (await waitFor(done, next === undefined ? undefined : Math.max(next - Date.now(), 1))) return;
      // What is due follows from the timer that fired, not from the clock: workflow time read after
      // local activities is not the same live and on replay, and a decision must not depend on it.
      await sendDueFollowUps(decidesByTimers ? next! : undefined);
      // Notices changed the items' next follow-ups: the read model learns them with the next write.
      if (sendsChanges) syncInternal();
      else if (writesProgress) state.revision = (state.revision ?? 0) + 1;
      continueAsNewIfSuggested();
    }
  }

  function pendingFollowUps(): Array<{ id: string; assignee?: string; followed: Followed }> {
    return [
      ...state.reviewItems.filter((i) => !i.decision).map((i) => ({ id: i.id, assignee: i.routeTo, followed: i as Followed })),
      ...state.openQuestions.filter((q) => q.blocking && !q.answer).map((q) => ({ id: q.id, assignee: q.askedOf, followed: q as Followed })),
    ];
  }

  /**
   * Sends what fell due by `timerTarget` (the follow-up time the fired timer was set for). The next
   * repeat counts from the outbox row's own time, which history records: the real time of sending,
   * the same on replay. (Histories from before the patch read the clock instead.)
   */
  async function sendDueFollowUps(timerTarget: number | undefined): Promise<void> {
    const at = timerTarget ?? Date.now();
    for (const { id, assignee, followed } of pendingFollowUps()) {
      // A decision or answer that arrived while earlier notices went out ends this item's follow-ups.
      if (timerTarget !== undefined && !stillPending(followed)) continue;
      for (const { kind, attempt } of dueFollowUps(followed, at)) {
        const recipient = kind === 'reminder' ? assignee : owners.escalation?.id ?? owners.handoffOwner?.id ?? assignee;
        const sent = recipient
          ? await notify({
            dedupeKey: `${state.handoffId}:${id}:${kind}:${attempt}`, handoffId: state.handoffId, kind, recipient, itemId: id,
            subject: kind === 'reminder' ? `Reminder: ${id} is waiting for you` : `Escalation: ${id} is overdue (assigned to ${assignee ?? 'nobody'})`,
          })
          : undefined;
        const sentAt = timerTarget === undefined ? now() : sent?.at ?? new Date(at).toISOString();
        markSent(followed, kind, sentAt, sla);
      }
    }
  }

  function stillPending(followed: Followed): boolean {
    const f = followed as { decision?: unknown; answer?: unknown };
    return f.decision === undefined && f.answer === undefined;
  }

  function continueAsNewIfSuggested(): void {
    if (workflowInfo().continueAsNewSuggested) throw new TimeToContinueAsNew();
  }

  /** The person behind a question's askOf, as the owners stand now. */
  function askedOf(q: Pick<OpenQuestion, 'askOf'>): string | undefined {
    return { sales: owners.sales, implementation: owners.implementation, buyer: owners.sales, handoff_owner: owners.handoffOwner }[q.askOf]?.id
      ?? owners.handoffOwner?.id ?? undefined;
  }

  function question(q: OpenQuestion): QuestionState {
    const askedAt = now();
    return { ...q, askedOf: askedOf(q), askedAt, ...firstFollowUps(askedAt, sla) };
  }

  async function enterStage(stage: HandoffStage): Promise<void> {
    // Under the progress patch the stage's own write below carries what is queued.
    if (!writesProgress) await flushAudit();
    state.stage = stage;
    if (writesProgress) state.stageEnteredAt = now();
    const kickoff = kickoffDate(state.kickoffTarget);
    const attributes = [
      { key: searchAttributes.stage, value: stage },
      { key: searchAttributes.openQuestionCount, value: state.openQuestions.filter((q) => q.blocking && !q.answer).length },
      ...(owners.implementation ? [{ key: searchAttributes.implementationOwner, value: owners.implementation.id }] : []),
      ...(kickoff ? [{ key: searchAttributes.kickoffTarget, value: kickoff }] : []),
    ];
    // Under the changes patch only what changed is upserted (history keeps every upsert whole).
    const changed = sendsChanges ? attributes.filter((a) => upserted.get(a.key.name) !== String(a.value instanceof Date ? a.value.getTime() : a.value)) : attributes;
    for (const a of changed) upserted.set(a.key.name, String(a.value instanceof Date ? a.value.getTime() : a.value));
    upsertSearchAttributes(changed as typeof attributes);
    if (sendsChanges) {
      carrying = stage === 'intake' || stage === 'drafting' || stage === 'kickoff_release';
      syncInternal();
      carrying = false;
      return;
    }
    if (writesProgress) {
      state.revision = (state.revision ?? 0) + 1;
      writeProgress();
      return;
    }
    await recordProjection({
      handoffId: state.handoffId, dealId: state.dealId, customerName: state.customerName, stage, bundleHash: state.bundleHash,
      packetVersion: state.packet?.version, handoffOwner: owners.handoffOwner?.id, salesOwner: owners.sales?.id,
      implementationOwner: owners.implementation?.id, kickoffTarget: state.kickoffTarget ?? input.kickoffTarget,
      assignees: [...new Set(pendingFollowUps().flatMap((p) => (p.assignee ? [p.assignee] : [])))],
    });
  }

  async function measure(kind: MeasurementKind, value: number, detail: Record<string, unknown> = {}): Promise<void> {
    // One event per kind and packet version (and per rework or return count), so retries never double-count.
    const discriminator = kind === 'kickoff_rework' ? `r${state.rework}` : kind === 'missing_context_return' ? `x${state.returnsForContext}` : `v${state.packet?.version ?? 0}`;
    const event: MeasurementEvent = {
      handoffId: state.handoffId, dealId: state.dealId, kind, value, detail, at: now(),
      owner: owners.implementation?.id ?? undefined, key: `${state.handoffId}:${kind}:${discriminator}`,
    };
    // Under the progress patch it goes out with the next progress write (every stage entry makes one).
    if (writesProgress) measurementQueue.push(event);
    else await recordMeasurement(event);
  }

  /** Bad data an activity cannot get past becomes a blocking question; new evidence runs the gates again. */
  function askAboutInvalidData(err: unknown): Step {
    const n = state.openQuestions.filter((q) => q.id.startsWith('invalid-data-')).length + 1;
    state.openQuestions.push(question({
      id: `invalid-data-${n}`, blocking: true, askOf: 'handoff_owner',
      question: `The handoff cannot go on with its current evidence: ${failureMessage(err)}. Add corrected evidence.`,
    }));
    return 'waiting_for_evidence';
  }

  /** Before any exit: every update handled and every audit row written. */
  async function settle(): Promise<void> {
    await condition(allHandlersFinished);
    await flushAudit();
    if (sendsChanges) syncInternal();
    if (writesProgress && (dirty() || measurementQueue.length > 0 || auditQueue.length > 0)) writeProgress();
    await Promise.all(writes);
  }

  /** State changed since the last progress write. */
  function dirty(): boolean {
    return writesProgress && (state.revision ?? 0) !== writtenRevision;
  }

  /**
   * One write of everything that changed: queued audit rows and measurements, the read model (the
   * whole public state, its owners and pending items). Not awaited: writes are idempotent and the
   * read model keeps the highest revision, so their order does not matter; settle() awaits them.
   */
  function writeProgress(): void {
    if (sendsChanges) return writeChanges();
    if ((state.revision ?? 0) === writtenRevision) state.revision = (state.revision ?? 0) + 1;
    writtenRevision = state.revision!;
    // No copy of the state needed: activity arguments are serialized when the command is made.
    const progress = {
      handoffId: state.handoffId, revision: state.revision!, state, dealId: state.dealId,
      customerName: state.customerName, kickoffTarget: state.kickoffTarget ?? input.kickoffTarget,
      owners: ownerIds(owners),
      pending: pendingItems(state, owners),
      decisions: auditQueue.splice(0),
      measurements: measurementQueue.splice(0),
    };
    // Outside any cancellable wait: a wait that ends cancels its timer, never a write it started.
    const write = CancellationScope.nonCancellable(() => recordProgress(progress));
    // Marked handled now (an unhandled rejection would fail the workflow task); settle() awaits it.
    write.catch(() => undefined);
    writes.push(write);
  }

  /**
   * One write of what changed since the workflow's last write, plus the current value of every path
   * an update changed meanwhile: the API may have applied those updates, so the stored row can be at
   * any revision from the last write on, and these changes bring each of them to this revision.
   */
  function writeChanges(): void {
    const current = snapshot(readModelDoc());
    const revision = state.revision ?? 0;
    const seen = new Set<string>();
    const changes: Change[] = [];
    for (const change of [
      ...diff(lastWritten === undefined ? undefined : JSON.parse(lastWritten), current),
      ...touched.map((path): Change => {
        const value = valueAt(current, path);
        return value === undefined ? { path, remove: true } : { path, value };
      }),
    ]) {
      const key = change.path.join('\u0000');
      if (!seen.has(key)) changes.push(change);
      seen.add(key);
    }
    const progress: ProgressChanges = {
      handoffId: state.handoffId, revision, base: writtenRevision, changes,
      decisions: auditQueue.splice(0).map(compactDecision), measurements: measurementQueue.splice(0).map(compactMeasurement),
    };
    lastWritten = JSON.stringify(current);
    writtenRevision = revision;
    touched = [];
    if (carrying) {
      carried = progress;
      return;
    }
    // Each write builds on the one before: chained, so they land in order even when several workers
    // take activities. Outside any cancellable wait, like the unchained writes.
    const write = CancellationScope.nonCancellable(() => writeChain.then(() => recordProgress(progress)));
    writeChain = write.catch(() => undefined);
    writes.push(write);
  }

  /** The entry write the current stage's activity carries, once the writes before it have landed. */
  async function carriedWrite(): Promise<{ progress?: ProgressChanges }> {
    const progress = carried;
    carried = undefined;
    if (!progress) return {};
    await writeChain;
    return { progress };
  }

  /** A carrying activity is the latest link of the write chain, whatever its outcome. */
  function chained<T>(activity: Promise<T>, carry: { progress?: ProgressChanges }): Promise<T> {
    if (carry.progress) {
      const landed = activity.then(() => undefined, () => undefined);
      writeChain = landed;
      writes.push(landed);
    }
    return activity;
  }

  // ---- the process ----
  let step: Step = resume?.step ?? 'intake';
  try {
    while (step !== 'completed') {
      await enterStage(step);
      try {
        step = await steps[step]();
      } catch (err) {
        if (!isInvalidData(err)) throw err;
        step = askAboutInvalidData(err);
      }
    }
    await enterStage('completed');
  } catch (err) {
    if (err instanceof TimeToContinueAsNew) {
      await settle();
      return continueAsNew<typeof implementationHandoff>({ ...input, owners }, {
        state, step, pendingRedraft, evidenceReceived, evidenceSeen, returnedForContext, auditQueue, measurementQueue,
      });
    }
    if (!(err instanceof HandoffCancelled)) throw err;
    await enterStage('cancelled');
  }
  await settle();
  // The whole final state is in the read model (and the state query); history keeps the outcome.
  return sendsChanges ? outcomeOf(state) : state;
}

function isInvalidData(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'InvalidHandoffData';
}

/** A kickoff date Temporal's datetime attribute accepts, or nothing. */
function kickoffDate(day: string | undefined): Date | undefined {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00Z`);
  const year = date.getUTCFullYear();
  return Number.isNaN(date.getTime()) || year < 1970 || year > 9999 ? undefined : date;
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
