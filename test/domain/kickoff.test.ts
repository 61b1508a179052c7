import { draftPacket } from '../../src/domain/draft';
import type { IntakeBundle } from '../../src/domain/intake';
import {
  approvedPromises,
  buildKickoffMaterials,
  reviewItemFor,
  unapprovedPromisesIn,
  type KickoffMaterials,
} from '../../src/domain/kickoff';
import type { ImpliedPromise, Packet } from '../../src/domain/packet';
import { finalizePacket } from '../../src/domain/packet-hash';
import { sharedFixture } from '../support/bundles';

// Customer-facing kickoff material carries approved promises only, and the release check finds any
// unapproved promise whose wording reaches it anyway. Packets come from the real rules drafter.

const packetOf = (bundle: IntakeBundle): Packet => finalizePacket(draftPacket(bundle), { handoffId: `handoff-${bundle.dealId}`, version: 1 });

const worked = packetOf(sharedFixture('worked-example'));
/** A fresh, modifiable copy of the worked example's packet. */
const copy = (): Packet => structuredClone(worked);
const none = new Set<string>();

const promise = (needle: string, packet: Packet = worked): ImpliedPromise => {
  const found = packet.impliedPromises.find((p) => p.statement.includes(needle));
  if (!found) throw new Error(`no implied promise mentions "${needle}"`);
  return found;
};
const BOARD = 'before the board meeting';
const FIVE_YEARS = 'five years';
const YOUR_TEAM = 'your team will handle';

describe('the worked example packet (fixture check)', () => {
  // "we'll sort out the data side together" is the unowned dependency, not also a promise: it is a
  // blocking question to the handoff owner (q1), not a review item.
  it('has three implied promises reviewed as r1-r3 and asks the handoff owner who owns the data extraction', () => {
    expect(worked.impliedPromises).toHaveLength(3);
    expect(worked.reviewItems.map((i) => [i.id, i.category])).toEqual([
      ['r1', 'timeline_commitment'],
      ['r2', 'scope_promise'],
      ['r3', 'scope_promise'],
    ]);
    expect(worked.openQuestions.filter((q) => q.blocking)).toEqual([expect.objectContaining({ id: 'q1', askOf: 'handoff_owner' })]);
  });
});

/** A packet drafted before unowned dependencies became questions: it carries a dependency_owner review item r4. */
const withOldDependencyItem = (packet: Packet): Packet => {
  const dependency = packet.dependencies.find((d) => d.owner === 'unassigned')!;
  packet.reviewItems.push({
    id: 'r4', category: 'dependency_owner', routeTo: 'u-chen', blocking: true, sources: dependency.sources,
    summary: `Nobody is assigned: ${dependency.dependency}. Decide who owns it.`,
  });
  return packet;
};

describe('reviewItemFor', () => {
  it('finds the item of each promise: same category, same cited quote', () => {
    expect(worked.impliedPromises.map((p) => reviewItemFor(worked, p)?.id)).toEqual(['r1', 'r2', 'r3']);
  });

  it('skips an item of another category that cites the same quote (an old packet\'s dependency item r4 cites r3)', () => {
    const packet = withOldDependencyItem(copy());
    const r4 = packet.reviewItems.find((i) => i.id === 'r4')!;
    expect(r4.sources.map((s) => s.quote)).toContain(promise(YOUR_TEAM).sources[0].quote);
    expect(reviewItemFor(packet, promise(YOUR_TEAM, packet))?.id).toBe('r3');
    packet.reviewItems = packet.reviewItems.filter((i) => i.id !== 'r3');
    expect(reviewItemFor(packet, promise(YOUR_TEAM, packet))).toBeUndefined();
  });

  it('finds nothing when the category differs or no quote is shared', () => {
    expect(reviewItemFor(worked, { ...promise(BOARD), category: 'support_expectation' })).toBeUndefined();
    expect(reviewItemFor(worked, { ...promise(BOARD), sources: [{ documentId: 'call-2026-11-14', quote: 'Something nobody reviewed.' }] })).toBeUndefined();
    expect(reviewItemFor({ reviewItems: [] }, promise(BOARD))).toBeUndefined();
  });

  it('matches on any one shared quote (the second citation of r1)', () => {
    const onlySecond = { ...promise(BOARD), sources: [promise(BOARD).sources[1]] };
    expect(reviewItemFor(worked, onlySecond)?.id).toBe('r1');
  });
});

describe('two promises that exceed the same contract clause', () => {
  // Both cite the order form's "custom integrations" exclusion; each has its own review item.
  const raw = structuredClone(sharedFixture('worked-example'));
  raw.documents.push({
    id: 'call-2026-11-19',
    kind: 'call_notes',
    capturedAt: '2026-11-19T10:00:00Z',
    text: 'Ben promised we will build custom integrations for the payroll system. Dana also mentioned they may want a custom integration with the billing tool.',
  });
  const packet = packetOf(raw);
  const payroll = promise('payroll system', packet);
  const billing = promise('billing tool', packet);
  const itemOf = (p: ImpliedPromise) => packet.reviewItems.find((i) => i.summary.endsWith(p.statement))!;

  it('are drafted as two promises citing the shared clause, each with its own review item', () => {
    expect(payroll.sources.map((s) => s.quote)).toContain('custom integrations');
    expect(billing.sources.map((s) => s.quote)).toContain('custom integrations');
    expect(itemOf(payroll).id).not.toBe(itemOf(billing).id);
  });

  it('map each to its own review item, not to the first item citing the clause', () => {
    expect(reviewItemFor(packet, payroll)?.id).toBe(itemOf(payroll).id);
    expect(reviewItemFor(packet, billing)?.id).toBe(itemOf(billing).id);
  });

  it('approving one does not approve the other or put it in the customer email', () => {
    const approved = new Set([itemOf(payroll).id]);
    expect(approvedPromises(packet, approved)).toEqual([payroll]);
    const materials = buildKickoffMaterials(packet, approved, 'Northwind Health');
    expect(materials.customerEmail).toContain(payroll.statement);
    expect(materials.customerEmail).not.toContain(billing.statement);
  });

  it('the release check names the unapproved one and its own item when its wording leaks', () => {
    const approved = new Set([itemOf(payroll).id]);
    const materials = buildKickoffMaterials(packet, approved, 'Northwind Health');
    const leaked: KickoffMaterials = { ...materials, customerEmail: `${materials.customerEmail}\n- ${billing.statement}` };
    const leaks = unapprovedPromisesIn(leaked, packet, approved);
    expect(leaks).toEqual([billing]);
    expect(leaks.map((p) => reviewItemFor(packet, p)?.id)).toEqual([itemOf(billing).id]);
  });
});

describe('buildKickoffMaterials', () => {
  it('builds the agenda from the packet: goal, sold scope, exclusions, first milestone', () => {
    const { agenda } = buildKickoffMaterials(worked, none, 'Northwind Health', '2026-12-03');
    expect(agenda).toEqual([
      'Introductions and roles',
      'Goals: Northwind wants to cut overtime costs across three clinics.',
      'Scope we will deliver: configuration of the Analytics workspace for up to 3 clinic locations; two standard connectors: Epic scheduling export and the Kronos timekeeping export; one utilization dashboard; two admin training sessions of 90 minutes',
      'Not included: custom integrations; historical data migration older than 24 months; on-site work',
      'First milestone: Kickoff with Northwind Health: confirm scope, owners and open questions (due 2026-12-03)',
      'Dependencies and owners',
      'Open questions and next steps',
    ]);
  });

  it('writes the customer email with the customer, the kickoff date and every agenda line', () => {
    const { agenda, customerEmail } = buildKickoffMaterials(worked, none, 'Northwind Health', '2026-12-03');
    expect(customerEmail.startsWith('Hello Northwind Health team,\n')).toBe(true);
    expect(customerEmail).toContain('We look forward to the kickoff on 2026-12-03. Here is what we will cover:');
    for (const line of agenda) expect(customerEmail).toContain(`- ${line}`);
    expect(customerEmail.endsWith('Best regards,\nYour implementation team')).toBe(true);
  });

  it('leaves the date out when there is no kickoff target', () => {
    expect(buildKickoffMaterials(worked, none, 'Northwind Health').customerEmail).toContain('We look forward to the kickoff. Here is');
  });

  it('confirms no implied promise when none is approved', () => {
    const { customerEmail } = buildKickoffMaterials(worked, none, 'Northwind Health');
    expect(customerEmail).not.toContain('We have also confirmed');
    for (const p of worked.impliedPromises) expect(customerEmail).not.toContain(p.statement);
  });

  it('confirms only the approved promises', () => {
    const { customerEmail } = buildKickoffMaterials(worked, new Set(['r1', 'r2']), 'Northwind Health');
    expect(customerEmail).toContain(`We have also confirmed:\n- ${promise(BOARD).statement}\n- ${promise(FIVE_YEARS).statement}\n`);
    expect(customerEmail).not.toContain(promise(YOUR_TEAM).statement);
  });

  it('confirms nothing for an approved item that is not a promise (an old packet\'s dependency r4) or an unknown id', () => {
    const packet = withOldDependencyItem(copy());
    expect(approvedPromises(packet, new Set(['r4', 'r99']))).toEqual([]);
    expect(buildKickoffMaterials(packet, new Set(['r4', 'r99']), 'Northwind Health').customerEmail).not.toContain('We have also confirmed');
  });

  it('falls back to placeholders for an empty packet and omits the milestone line', () => {
    const packet = copy();
    Object.assign(packet, { buyerGoal: null, soldScope: [], notSold: [], firstMilestonePlan: [] });
    const { agenda } = buildKickoffMaterials(packet, none, 'Acme');
    expect(agenda).toEqual([
      'Introductions and roles',
      'Goals: confirm the buyer goal',
      'Scope we will deliver: to confirm',
      'Not included: nothing listed',
      'Dependencies and owners',
      'Open questions and next steps',
    ]);
  });
});

describe('unapprovedPromisesIn', () => {
  it('finds nothing in materials built with nothing approved', () => {
    const materials = buildKickoffMaterials(worked, none, 'Northwind Health', '2026-12-03');
    expect(unapprovedPromisesIn(materials, worked, none)).toEqual([]);
  });

  it('finds nothing in materials built from approved promises', () => {
    const approved = new Set(['r1', 'r2', 'r3']);
    const materials = buildKickoffMaterials(worked, approved, 'Northwind Health');
    for (const p of worked.impliedPromises) expect(materials.customerEmail).toContain(p.statement);
    expect(unapprovedPromisesIn(materials, worked, approved)).toEqual([]);
  });

  it('ignores the contract clause a promise cites, though the agenda lists it (r2 cites the 24-month exclusion)', () => {
    const clause = 'historical data migration older than 24 months';
    expect(promise(FIVE_YEARS).sources.map((s) => s.quote)).toContain(clause);
    const materials = buildKickoffMaterials(worked, none, 'Northwind Health');
    expect(materials.agenda.join('\n')).toContain(clause);
    expect(unapprovedPromisesIn(materials, worked, none)).toEqual([]);
  });

  it('would flag r2 if that clause were not contract text: the exclusion is what spares it', () => {
    const packet = copy();
    // The exclusion stays on the agenda, but no contract entry cites the clause any more.
    for (const entry of packet.notSold) entry.sources = [{ documentId: 'order-form', quote: 'Not included:' }];
    const materials = buildKickoffMaterials(packet, none, 'Northwind Health');
    expect(unapprovedPromisesIn(materials, packet, none)).toEqual([promise(FIVE_YEARS, packet)]);
    expect(unapprovedPromisesIn(materials, packet, new Set(['r2']))).toEqual([]);
  });

  it('finds an unapproved promise whose quote reaches the materials through a sold-scope item', () => {
    const packet = copy();
    const leaking = promise(YOUR_TEAM, packet);
    packet.soldScope[1] = { item: `data onboarding, where ${leaking.sources[0].quote}`, sources: packet.soldScope[1].sources };
    const materials = buildKickoffMaterials(packet, none, 'Northwind Health');
    expect(materials.agenda[2]).toContain(leaking.sources[0].quote);
    const leaks = unapprovedPromisesIn(materials, packet, none);
    expect(leaks).toEqual([leaking]);
    expect(reviewItemFor(packet, leaks[0])?.id).toBe('r3');
    // Rejected (not approved) stays a leak; approved does not.
    expect(unapprovedPromisesIn(materials, packet, new Set(['r1', 'r2']))).toEqual([leaking]);
    expect(unapprovedPromisesIn(materials, packet, new Set(['r3']))).toEqual([]);
  });

  it('finds a leaked second citation too (the board-meeting email of r1)', () => {
    const materials = buildKickoffMaterials(worked, none, 'Northwind Health');
    const leaked = { ...materials, agenda: [...materials.agenda, `Recap: ${promise(BOARD).sources[1].quote}`] };
    expect(unapprovedPromisesIn(leaked, worked, none)).toEqual([promise(BOARD)]);
  });

  it('matches regardless of case and whitespace', () => {
    const statement = promise(YOUR_TEAM).statement;
    const shouted = statement.toUpperCase().replace(/ /g, '  \n ');
    const materials: KickoffMaterials = { agenda: ['Introductions'], customerEmail: `Hello,\n${shouted}\n` };
    expect(materials.customerEmail).not.toContain(statement);
    expect(unapprovedPromisesIn(materials, worked, none)).toEqual([promise(YOUR_TEAM)]);
  });

  it('reports a promise that has no review item at all when its wording leaks', () => {
    const packet = copy();
    packet.reviewItems = packet.reviewItems.filter((i) => i.id !== 'r3');
    const materials = buildKickoffMaterials(packet, new Set(['r1', 'r2', 'r3']), 'Northwind Health');
    // r3 is gone, so its promise is not confirmed in the email ...
    expect(materials.customerEmail).not.toContain(promise(YOUR_TEAM).statement);
    // ... and if its wording is there anyway, it is a leak.
    const leaked = { ...materials, customerEmail: `${materials.customerEmail}\n${promise(YOUR_TEAM).statement}` };
    expect(unapprovedPromisesIn(leaked, packet, new Set(['r1', 'r2', 'r3']))).toEqual([promise(YOUR_TEAM, packet)]);
  });
});

describe('a buyer goal said in the same breath as a sales promise', () => {
  const base = sharedFixture('worked-example');
  const leaky: IntakeBundle = {
    ...base,
    documents: base.documents
      .filter((d) => d.id !== 'proposal')
      .map((d) =>
        d.id === 'call-2026-11-14'
          ? { ...d, text: 'Dana wants the overtime dashboard live before the December 15 board meeting; Ben said we can have it live before the board meeting. Budget approved.' }
          : d,
      ),
  };
  const packet = packetOf(leaky);

  it('is the promise itself, so the goal line stays internal until the promise is approved', () => {
    const promise = packet.impliedPromises.find((p) => p.category === 'timeline_commitment')!;
    expect(packet.buyerGoal?.statement).toBe(promise.statement);
    const rejected = buildKickoffMaterials(packet, new Set(), 'Northwind', '2026-12-03');
    expect(rejected.agenda).toContain('Goals: confirm the buyer goal');
    expect(rejected.customerEmail).not.toMatch(/board meeting/);
    expect(unapprovedPromisesIn(rejected, packet, new Set())).toEqual([]);

    const approved = new Set([reviewItemFor(packet, promise)!.id]);
    expect(buildKickoffMaterials(packet, approved, 'Northwind').agenda).toContain(`Goals: ${promise.statement}`);
  });
});
