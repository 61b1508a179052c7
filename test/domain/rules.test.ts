import type { Owners, Person } from '../../src/domain/intake';
import type { GateFailure } from '../../src/domain/packet';
import { openQuestionsForGateFailures } from '../../src/domain/questions';
import {
  handoffStages,
  type Actor,
  type HandoffStage,
  type HandoffState,
  type QuestionState,
  type ReviewItemState,
  type Role,
} from '../../src/domain/review';
import {
  HandoffRuleViolation,
  checkAddEvidence,
  checkAnswer,
  checkCancel,
  checkChangeOwners,
  checkMilestoneStatus,
  checkRequestChanges,
  checkReturnForContext,
  checkReviewDecision,
  checkSignoff,
  type ViolationKind,
} from '../../src/domain/rules';

// The business rules the workflow's update validators apply, without a server.

const HASH = `sha256:${'a'.repeat(64)}`;
const OTHER_HASH = `sha256:${'b'.repeat(64)}`;
const AT = '2026-11-21T09:00:00.000Z';

const person = (id: string): Person => ({ id, name: id, email: `${id}@vendor.example` });
const owners: Owners = { handoffOwner: person('u-ana'), sales: person('u-ben'), implementation: person('u-chen') };
const actor = (id: string, ...roles: Role[]): Actor => ({ id, roles });

const ana = actor('u-ana', 'ops');
const ben = actor('u-ben', 'sales');
const chen = actor('u-chen', 'implementation', 'reviewer');
const sam = actor('u-sam', 'reviewer');
const stranger = actor('u-zed', 'reviewer');

const item = (id: string, routeTo: string, extra: Partial<ReviewItemState> = {}): ReviewItemState => ({
  id, category: 'scope_promise', summary: `item ${id}`, routeTo, blocking: true, routedAt: AT, ...extra,
});
const question = (id: string, askedOf: string | undefined, extra: Partial<QuestionState> = {}): QuestionState => ({
  id, question: `question ${id}?`, askOf: 'sales', blocking: true, askedOf, askedAt: AT, ...extra,
});

function stateWith(overrides: Partial<HandoffState> = {}): HandoffState {
  return {
    handoffId: 'handoff-D-1', dealId: 'D-1', customerName: 'Northwind Health', stage: 'in_review',
    packet: { version: 2, hash: HASH, draftedBy: 'rules', completeness: 1, impliedPromises: 3 },
    gateFailures: [],
    reviewItems: [
      item('r1', 'u-chen'),
      item('r2', 'u-chen', { decision: { decision: 'approved', by: 'u-chen', at: AT } }),
      item('r3', 'u-sam'),
    ],
    openQuestions: [
      question('q1', 'u-ben'),
      question('q2', 'u-ben', { answer: { text: 'yes', by: 'u-ben', at: AT } }),
      question('q3', undefined),
    ],
    bundleHash: 'sha256:bundle', rework: 0, returnsForContext: 0, signoffs: {},
    ...overrides,
  };
}

/** Runs a check and asserts that it throws a HandoffRuleViolation of the given kind and message. */
function expectViolation(check: () => void, kind: ViolationKind, message: RegExp): void {
  let thrown: unknown;
  try {
    check();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(HandoffRuleViolation);
  const violation = thrown as HandoffRuleViolation;
  expect(violation.name).toBe('HandoffRuleViolation');
  expect(violation.kind).toBe(kind);
  expect(violation.message).toMatch(message);
}

const otherStages = (...allowed: HandoffStage[]) => handoffStages.filter((s) => !allowed.includes(s));
const finished: HandoffStage[] = ['completed', 'cancelled'];

describe('HandoffRuleViolation', () => {
  it('is an Error carrying its kind', () => {
    const v = new HandoffRuleViolation('conflict', 'nope');
    expect(v).toBeInstanceOf(Error);
    expect(v).toMatchObject({ kind: 'conflict', message: 'nope', name: 'HandoffRuleViolation' });
  });
});

describe('checkReviewDecision', () => {
  const decide = (itemId: string, by: Actor, packetVersion = 2) =>
    ({ itemId, actor: by, packetVersion, decision: 'approved' as const, requestId: 'req-1' });

  it('lets the assignee decide a pending item on the current packet version', () => {
    expect(() => checkReviewDecision(stateWith(), decide('r1', chen))).not.toThrow();
    expect(() => checkReviewDecision(stateWith(), decide('r3', sam))).not.toThrow();
  });

  it('answers not_found for an unknown item, before any other rule', () => {
    expectViolation(() => checkReviewDecision(stateWith(), decide('r9', chen)), 'not_found', /no review item r9/);
    // even when the stage and the actor are also wrong
    expectViolation(() => checkReviewDecision(stateWith({ stage: 'completed' }), decide('r9', stranger, 1)), 'not_found', /r9/);
  });

  it.each(otherStages('in_review'))('refuses a decision while the handoff is %s (conflict)', (stage) => {
    expectViolation(() => checkReviewDecision(stateWith({ stage }), decide('r1', chen)), 'conflict', new RegExp(`is ${stage}, not in review`));
  });

  it('refuses someone the item is not routed to (forbidden), even an admin or the handoff owner', () => {
    expectViolation(() => checkReviewDecision(stateWith(), decide('r1', sam)), 'forbidden', /r1 is routed to someone else/);
    expectViolation(() => checkReviewDecision(stateWith(), decide('r1', actor('u-root', 'admin'))), 'forbidden', /routed to someone else/);
    expectViolation(() => checkReviewDecision(stateWith(), decide('r3', ana)), 'forbidden', /routed to someone else/);
  });

  it('refuses a second decision on an item (conflict)', () => {
    expectViolation(() => checkReviewDecision(stateWith(), decide('r2', chen)), 'conflict', /r2 was already decided/);
  });

  it('refuses a decision on a stale or future packet version (conflict), naming the current one', () => {
    expectViolation(() => checkReviewDecision(stateWith(), decide('r1', chen, 1)), 'conflict', /version 1 is stale; the current version is 2/);
    expectViolation(() => checkReviewDecision(stateWith(), decide('r1', chen, 3)), 'conflict', /version 3 is stale/);
  });

  it('refuses a decision when there is no packet yet (conflict)', () => {
    expectViolation(() => checkReviewDecision(stateWith({ packet: undefined }), decide('r1', chen, 1)), 'conflict', /stale/);
  });
});

describe('checkSignoff', () => {
  const signoff = (role: 'sales' | 'implementation', by: Actor, packetVersion = 2, packetHash = HASH) =>
    ({ role, actor: by, packetVersion, packetHash, requestId: 'req-1' });
  const awaiting = () => stateWith({ stage: 'awaiting_signoff' });

  it('lets the named sales and implementation owners sign the current packet', () => {
    expect(() => checkSignoff(awaiting(), signoff('sales', ben), owners)).not.toThrow();
    expect(() => checkSignoff(awaiting(), signoff('implementation', chen), owners)).not.toThrow();
  });

  it('refuses anyone signing for a role they do not own (forbidden)', () => {
    expectViolation(() => checkSignoff(awaiting(), signoff('sales', chen), owners), 'forbidden', /only the named sales owner signs for sales/);
    expectViolation(() => checkSignoff(awaiting(), signoff('implementation', ben), owners), 'forbidden', /named implementation owner/);
    // ops and admins do not sign on someone's behalf
    expectViolation(() => checkSignoff(awaiting(), signoff('implementation', actor('u-root', 'admin', 'ops')), owners), 'forbidden', /implementation owner/);
  });

  it('refuses a signoff when the role has no owner (forbidden)', () => {
    expectViolation(() => checkSignoff(awaiting(), signoff('implementation', chen), { sales: owners.sales, implementation: null }), 'forbidden', /implementation owner/);
    expectViolation(() => checkSignoff(awaiting(), signoff('sales', ben), {}), 'forbidden', /sales owner/);
  });

  it('checks who signs before when (forbidden wins over a wrong stage)', () => {
    expectViolation(() => checkSignoff(stateWith({ stage: 'in_review' }), signoff('sales', chen), owners), 'forbidden', /sales owner/);
  });

  it.each(otherStages('awaiting_signoff'))('refuses a signoff while the handoff is %s (conflict)', (stage) => {
    expectViolation(() => checkSignoff(stateWith({ stage }), signoff('sales', ben), owners), 'conflict', new RegExp(`is ${stage}, not awaiting signoff`));
  });

  it('refuses one person giving both signoffs, even when named for both roles (forbidden)', () => {
    const both = { sales: person('u-ben'), implementation: person('u-ben') };
    const salesSigned = stateWith({ stage: 'awaiting_signoff', signoffs: { sales: { by: 'u-ben', at: AT, packetVersion: 2, packetHash: HASH } } });
    expectViolation(() => checkSignoff(salesSigned, signoff('implementation', ben), both), 'forbidden', /you signed for sales; the implementation signoff must come from someone else/);
    const implSigned = stateWith({ stage: 'awaiting_signoff', signoffs: { implementation: { by: 'u-ben', at: AT, packetVersion: 2, packetHash: HASH } } });
    expectViolation(() => checkSignoff(implSigned, signoff('sales', ben), both), 'forbidden', /you signed for implementation/);
    // The other role signed by its own owner does not stand in the way.
    const chenSigned = stateWith({ stage: 'awaiting_signoff', signoffs: { implementation: { by: 'u-chen', at: AT, packetVersion: 2, packetHash: HASH } } });
    expect(() => checkSignoff(chenSigned, signoff('sales', ben), owners)).not.toThrow();
  });

  it('refuses a signoff on another packet version or hash (conflict)', () => {
    expectViolation(() => checkSignoff(awaiting(), signoff('sales', ben, 1), owners), 'conflict', /names packet v1; the current packet is v2 \(sha256:a+\)/);
    expectViolation(() => checkSignoff(awaiting(), signoff('implementation', chen, 2, OTHER_HASH), owners), 'conflict', /current packet is v2/);
  });
});

describe('checkAddEvidence', () => {
  const add = (by: Actor) => ({ actor: by, bundleHash: 'sha256:new', documentIds: ['doc-1'], requestId: 'req-1' });
  const who = { handoffOwner: owners.handoffOwner, sales: owners.sales };

  it('lets the handoff owner, sales, ops or an admin add evidence', () => {
    for (const a of [actor('u-ana'), actor('u-ben'), actor('u-ops', 'ops'), actor('u-root', 'admin')]) {
      expect(() => checkAddEvidence(stateWith(), add(a), who)).not.toThrow();
    }
  });

  it('refuses anyone else, even the implementation owner or a reviewer (forbidden)', () => {
    expectViolation(() => checkAddEvidence(stateWith(), add(chen), who), 'forbidden', /only the handoff owner, sales, ops or an admin/);
    expectViolation(() => checkAddEvidence(stateWith(), add(stranger), who), 'forbidden', /add evidence/);
    // no owners: a missing owner id never matches an actor
    expectViolation(() => checkAddEvidence(stateWith(), add(actor('u-ana', 'sales')), {}), 'forbidden', /add evidence/);
  });

  it('refuses owners carried by evidence, even from ops (forbidden): owners change only through changeOwners', () => {
    const withOwners = { ...add(actor('u-ops', 'ops')), owners: { implementation: person('u-ben') } };
    expectViolation(() => checkAddEvidence(stateWith(), withOwners, who), 'forbidden', /owners change through the changeOwners update/);
  });

  it.each(otherStages(...finished))('accepts evidence while the handoff is %s', (stage) => {
    expect(() => checkAddEvidence(stateWith({ stage }), add(ben), who)).not.toThrow();
  });

  it.each(finished)('refuses evidence once the handoff is %s (conflict), even from an admin', (stage) => {
    expectViolation(() => checkAddEvidence(stateWith({ stage }), add(actor('u-root', 'admin')), who), 'conflict', new RegExp(`the handoff is ${stage}`));
  });
});

describe('checkCancel', () => {
  const cancel = (by: Actor) => ({ actor: by, reason: 'deal fell through', requestId: 'req-1' });
  const who = { handoffOwner: owners.handoffOwner };

  it('lets the handoff owner, ops or an admin cancel', () => {
    for (const a of [actor('u-ana'), actor('u-ops', 'ops'), actor('u-root', 'admin')]) {
      expect(() => checkCancel(stateWith(), cancel(a), who)).not.toThrow();
    }
  });

  it('refuses sales, the implementation owner and reviewers (forbidden)', () => {
    for (const a of [ben, chen, sam]) {
      expectViolation(() => checkCancel(stateWith(), cancel(a), who), 'forbidden', /only the handoff owner, ops or an admin cancel/);
    }
    expectViolation(() => checkCancel(stateWith(), cancel(actor('u-ana', 'sales')), {}), 'forbidden', /cancel/);
  });

  it.each(finished)('refuses to cancel a handoff that is already %s (conflict)', (stage) => {
    expectViolation(() => checkCancel(stateWith({ stage }), cancel(ana), who), 'conflict', new RegExp(`already ${stage}`));
  });

  it.each(otherStages(...finished))('cancels a handoff that is %s', (stage) => {
    expect(() => checkCancel(stateWith({ stage }), cancel(ana), who)).not.toThrow();
  });
});

describe('checkAnswer', () => {
  const answer = (questionId: string, by: Actor) => ({ questionId, actor: by, answer: 'Eli pulls it', requestId: 'req-1' });

  it('lets the person asked answer, and the handoff owner relay an answer', () => {
    expect(() => checkAnswer(stateWith(), answer('q1', ben), owners)).not.toThrow();
    expect(() => checkAnswer(stateWith(), answer('q1', ana), owners)).not.toThrow();
    // a question asked of nobody in particular: the handoff owner answers it
    expect(() => checkAnswer(stateWith(), answer('q3', ana), owners)).not.toThrow();
  });

  it('answers not_found for an unknown question, before any other rule', () => {
    expectViolation(() => checkAnswer(stateWith(), answer('q9', ben), owners), 'not_found', /no open question q9/);
    expectViolation(() => checkAnswer(stateWith({ stage: 'cancelled' }), answer('q9', stranger), owners), 'not_found', /q9/);
  });

  it.each(finished)('refuses an answer once the handoff is %s (conflict)', (stage) => {
    expectViolation(() => checkAnswer(stateWith({ stage }), answer('q1', ben), owners), 'conflict', new RegExp(`the handoff is ${stage}`));
  });

  it('refuses a second answer (conflict)', () => {
    expectViolation(() => checkAnswer(stateWith(), answer('q2', ben), owners), 'conflict', /q2 was already answered/);
  });

  it('refuses anyone else, even an admin (forbidden)', () => {
    expectViolation(() => checkAnswer(stateWith(), answer('q1', chen), owners), 'forbidden', /q1 is asked of someone else/);
    expectViolation(() => checkAnswer(stateWith(), answer('q1', actor('u-root', 'admin', 'ops')), owners), 'forbidden', /someone else/);
    expectViolation(() => checkAnswer(stateWith(), answer('q3', ben), owners), 'forbidden', /q3/);
  });

  it('refuses the relay when there is no handoff owner (forbidden)', () => {
    expectViolation(() => checkAnswer(stateWith(), answer('q1', ana), { ...owners, handoffOwner: null }), 'forbidden', /someone else/);
    expectViolation(() => checkAnswer(stateWith(), answer('q3', ana), {}), 'forbidden', /someone else/);
  });
});

describe('checkRequestChanges', () => {
  const changes = (by: Actor, packetVersion = 2) => ({ actor: by, packetVersion, comment: 'redo scope', bundleHash: 'sha256:c', requestId: 'req-1' });

  it.each(['in_review', 'awaiting_signoff', 'kickoff_release'] as const)('lets a reviewer with items, or the implementation owner, ask while %s', (stage) => {
    expect(() => checkRequestChanges(stateWith({ stage }), changes(sam), owners)).not.toThrow();
    expect(() => checkRequestChanges(stateWith({ stage }), changes(chen), owners)).not.toThrow();
    // the implementation owner needs no items of their own
    const noItemsForChen = stateWith({ stage, reviewItems: [item('r3', 'u-sam')] });
    expect(() => checkRequestChanges(noItemsForChen, changes(chen), owners)).not.toThrow();
  });

  it('counts decided items too: a reviewer who already decided may still ask', () => {
    const state = stateWith({ reviewItems: [item('r2', 'u-sam', { decision: { decision: 'rejected', by: 'u-sam', at: AT } })] });
    expect(() => checkRequestChanges(state, changes(sam), owners)).not.toThrow();
  });

  it.each(otherStages('in_review', 'awaiting_signoff', 'kickoff_release'))('refuses while the handoff is %s (conflict)', (stage) => {
    expectViolation(() => checkRequestChanges(stateWith({ stage }), changes(chen), owners), 'conflict', new RegExp(`is ${stage}, not in review`));
  });

  it('refuses anyone without items on the packet who is not the implementation owner (forbidden)', () => {
    expectViolation(() => checkRequestChanges(stateWith(), changes(stranger), owners), 'forbidden', /only a reviewer of this packet or the implementation owner/);
    expectViolation(() => checkRequestChanges(stateWith(), changes(ana), owners), 'forbidden', /asks for changes/);
    expectViolation(() => checkRequestChanges(stateWith(), changes(actor('u-root', 'admin')), owners), 'forbidden', /asks for changes/);
    // without an implementation owner, chen has to have items
    expectViolation(() => checkRequestChanges(stateWith({ reviewItems: [] }), changes(chen), { ...owners, implementation: null }), 'forbidden', /asks for changes/);
  });

  it('refuses a stale packet version (conflict)', () => {
    expectViolation(() => checkRequestChanges(stateWith(), changes(chen, 1), owners), 'conflict', /version 1 is stale; the current version is 2/);
  });
});

describe('checkReturnForContext', () => {
  const back = (by: Actor) => ({ actor: by, reason: 'no SOW', requestId: 'req-1' });

  it.each(['in_review', 'awaiting_signoff', 'kickoff_release'] as const)('lets the implementation owner return a handoff that is %s', (stage) => {
    expect(() => checkReturnForContext(stateWith({ stage }), back(chen), owners)).not.toThrow();
  });

  it('refuses everyone else, including reviewers, ops and admins (forbidden)', () => {
    for (const a of [ben, ana, sam, actor('u-root', 'admin', 'ops')]) {
      expectViolation(() => checkReturnForContext(stateWith(), back(a), owners), 'forbidden', /only the implementation owner returns a handoff/);
    }
    expectViolation(() => checkReturnForContext(stateWith(), back(chen), { ...owners, implementation: undefined }), 'forbidden', /implementation owner/);
  });

  it('checks who before when (forbidden wins over a wrong stage)', () => {
    expectViolation(() => checkReturnForContext(stateWith({ stage: 'completed' }), back(ben), owners), 'forbidden', /implementation owner/);
  });

  it.each(otherStages('in_review', 'awaiting_signoff', 'kickoff_release'))('refuses to return a handoff that is %s (conflict)', (stage) => {
    expectViolation(() => checkReturnForContext(stateWith({ stage }), back(chen), owners), 'conflict', new RegExp(`the handoff is ${stage}; only a packet in review`));
  });
});

describe('checkMilestoneStatus', () => {
  const report = (by: Actor) => ({ actor: by, status: 'met' as const, requestId: 'req-1' });
  const following = () => stateWith({ stage: 'first_milestone' });

  it('lets the implementation owner, the handoff owner (without the ops role), ops or an admin report', () => {
    for (const a of [actor('u-chen'), actor('u-ana', 'sales'), actor('u-ops', 'ops'), actor('u-root', 'admin')]) {
      expect(() => checkMilestoneStatus(following(), report(a), owners)).not.toThrow();
    }
  });

  it('refuses sales, reviewers and strangers (forbidden)', () => {
    for (const a of [ben, sam, stranger]) {
      expectViolation(() => checkMilestoneStatus(following(), report(a), owners), 'forbidden', /only the implementation owner, the handoff owner, ops or an admin report milestone status/);
    }
  });

  it('checks who before when (forbidden wins over a wrong stage)', () => {
    expectViolation(() => checkMilestoneStatus(stateWith({ stage: 'in_review' }), report(ben), owners), 'forbidden', /milestone status/);
  });

  it.each(otherStages('first_milestone'))('refuses a report while the handoff is %s (conflict)', (stage) => {
    expectViolation(() => checkMilestoneStatus(stateWith({ stage }), report(chen), owners), 'conflict', new RegExp(`is ${stage}, not following its first milestone`));
    expectViolation(() => checkMilestoneStatus(stateWith({ stage }), report(actor('u-ana', 'sales')), owners), 'conflict', /not following its first milestone/);
  });
});

describe('checkChangeOwners', () => {
  const change = (by: Actor, to: Partial<Owners>) => ({ actor: by, owners: to, reason: 'Chen moved to another account', requestId: 'req-1' });
  const ines = person('u-ines');

  it('lets the handoff owner (without the ops role), ops or an admin change owners', () => {
    for (const a of [actor('u-ana', 'sales'), actor('u-ops', 'ops'), actor('u-root', 'admin')]) {
      expect(() => checkChangeOwners(stateWith(), change(a, { implementation: ines }), owners)).not.toThrow();
    }
  });

  it('refuses the sales owner, the implementation owner, reviewers and strangers (forbidden)', () => {
    for (const a of [ben, chen, sam, stranger]) {
      expectViolation(() => checkChangeOwners(stateWith(), change(a, { implementation: ines }), owners), 'forbidden', /only the handoff owner, ops or an admin change owners/);
    }
  });

  it('refuses a change that makes one person both sales and implementation owner (conflict), even from an admin', () => {
    const admin = actor('u-root', 'admin');
    expectViolation(() => checkChangeOwners(stateWith(), change(admin, { implementation: person('u-ben') }), owners), 'conflict', /u-ben would be both sales and implementation owner/);
    expectViolation(() => checkChangeOwners(stateWith(), change(admin, { sales: person('u-chen') }), owners), 'conflict', /u-chen would be both/);
    expectViolation(() => checkChangeOwners(stateWith(), change(admin, { sales: ines, implementation: ines }), owners), 'conflict', /u-ines would be both/);
    // Swapping the two is two people still.
    expect(() => checkChangeOwners(stateWith(), change(admin, { sales: person('u-chen'), implementation: person('u-ben') }), owners)).not.toThrow();
    // Clearing a role never makes anyone hold both.
    expect(() => checkChangeOwners(stateWith(), change(admin, { implementation: null }), owners)).not.toThrow();
  });

  it.each(otherStages(...finished))('accepts a change while the handoff is %s', (stage) => {
    expect(() => checkChangeOwners(stateWith({ stage }), change(ana, { implementation: ines }), owners)).not.toThrow();
  });

  it.each(finished)('refuses a change once the handoff is %s (conflict)', (stage) => {
    expectViolation(() => checkChangeOwners(stateWith({ stage }), change(ana, { implementation: ines }), owners), 'conflict', new RegExp(`the handoff is ${stage}`));
  });
});

describe('openQuestionsForGateFailures', () => {
  const failures: GateFailure[] = [
    { code: 'missing_implementation_owner', field: 'owners.implementation', detail: 'No implementation owner is named.', sources: [] },
    { code: 'contradiction', detail: 'The order form says 3 clinics, the email says 5.', sources: [{ documentId: 'order-form', quote: '3 clinic' }] },
    { code: 'contradiction', detail: 'Two different go-live dates.', sources: [] },
  ];

  it('turns each failed gate into a blocking question for the handoff owner, in order', () => {
    expect(openQuestionsForGateFailures(failures)).toEqual([
      { id: 'gate-1-missing_implementation_owner', question: 'No implementation owner is named.', askOf: 'handoff_owner', blocking: true, gate: 'missing_implementation_owner' },
      { id: 'gate-2-contradiction', question: 'The order form says 3 clinics, the email says 5.', askOf: 'handoff_owner', blocking: true, gate: 'contradiction' },
      { id: 'gate-3-contradiction', question: 'Two different go-live dates.', askOf: 'handoff_owner', blocking: true, gate: 'contradiction' },
    ]);
  });

  it('gives repeated gate codes distinct ids', () => {
    const ids = openQuestionsForGateFailures(failures).map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('asks nothing when every gate passed', () => {
    expect(openQuestionsForGateFailures([])).toEqual([]);
  });
});
