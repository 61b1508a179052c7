import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IntakeBundle } from '../../src/domain/intake';
import { PacketContent } from '../../src/domain/packet';
import { redactBundle } from '../../src/domain/redact';
import { PacketCandidateError, verifyPacket, type LlmPacketDraft } from '../../src/domain/verify-packet';

// verifyPacket in isolation: the rules packet here is written by hand, so these tests pin the
// verifier's contract whatever the rules drafter finds.

const fixtures = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures');
const bundle = IntakeBundle.parse(JSON.parse(readFileSync(path.join(fixtures, 'worked-example.json'), 'utf8')));

const cite = (documentId: string, quote: string) => ({ documentId, quote });
const BOARD_PROMISE = cite('call-2026-11-14', 'Ben said we can have the dashboard live before the board meeting.');
const DATA_PROMISE = cite('email-2026-11-18', 'your team will handle getting the data out of Epic and Kronos, since Eli is stretched thin');
const EPIC_EXPORT = cite('call-2026-11-14', "Eli asked who pulls the Epic export; Ben said we'll sort out the data side together.");
const OUT_OF_SCOPE = cite('order-form', 'Out of scope: custom integrations, historical data migration older than 24 months, and on-site work.');
const FEES = cite('order-form', 'Fees: USD 48,000 for a 12 month term.');
const DASHBOARD = cite('order-form', '(3) one utilization dashboard');
const GOAL = cite('proposal', 'Northwind wants to cut overtime costs across three clinics.');

function rulesPacket(): PacketContent {
  return PacketContent.parse({
    dealId: 'D-1042',
    draftedBy: 'rules',
    buyerGoal: { statement: 'Cut overtime costs across three clinics', urgency: 'high', sources: [GOAL] },
    contractFacts: [{ statement: 'USD 48,000 for 12 months', sources: [FEES] }],
    buyerIntent: [{ statement: 'Dashboard at the December 15 board meeting', sources: [BOARD_PROMISE] }],
    soldScope: [{ item: 'One utilization dashboard', sources: [DASHBOARD] }],
    notSold: [{ item: 'Custom integrations', sources: [OUT_OF_SCOPE] }],
    ambiguities: [],
    impliedPromises: [
      { statement: 'Dashboard live before the December 15 board meeting', reason: 'not in contract', category: 'timeline_commitment', sources: [BOARD_PROMISE] },
      { statement: 'Vendor extracts the Epic and Kronos data', reason: 'not in contract', category: 'scope_promise', sources: [DATA_PROMISE] },
    ],
    stakeholders: [{ name: 'Dana Fox', side: 'buyer', role: 'economic_buyer' }],
    risks: [],
    dependencies: [{ dependency: 'Epic and Kronos data exports', owner: 'unassigned', sources: [EPIC_EXPORT] }],
    firstThirtyDayCriteria: [],
    firstMilestonePlan: [{ milestone: 'Kickoff', due: '2026-12-03', owner: 'u-chen' }],
    // The unowned dependency is a blocking question to the handoff owner, not a review item.
    openQuestions: [{ id: 'q1', question: 'Nobody is assigned to the Epic and Kronos exports. Who owns it?', askOf: 'handoff_owner', blocking: true }],
    reviewItems: [
      { id: 'r1', category: 'timeline_commitment', summary: 'Dashboard promised before the board meeting', routeTo: 'u-chen', sources: [BOARD_PROMISE] },
      { id: 'r2', category: 'scope_promise', summary: 'Vendor to extract Epic and Kronos data', routeTo: 'u-ana', sources: [DATA_PROMISE] },
    ],
    completeness: { score: 0.7, missing: ['firstThirtyDayCriteria'] },
    gates: { passed: true, failures: [] },
  });
}

/** A well-behaved model's draft: every quote verbatim, every rules finding covered. */
function goodDraft(): LlmPacketDraft {
  return {
    buyerGoal: { statement: 'Reduce overtime costs across three clinics with a utilization dashboard', urgency: 'high', sources: [GOAL] },
    contractFacts: [
      { statement: 'Fees are USD 48,000 for a 12 month term', sources: [FEES] },
      { statement: 'The CRM records USD 48,000', sources: [cite('crm', 'Amount: 48000 USD.')] },
    ],
    buyerIntent: [{ statement: 'Dana wants the overtime dashboard at the December 15 board meeting', sources: [cite('call-2026-11-14', 'the board meets on December 15 and she wants to show the overtime dashboard there')] }],
    soldScope: [{ item: 'One utilization dashboard', sources: [DASHBOARD] }],
    notSold: [{ item: 'Custom integrations, history older than 24 months, on-site work', sources: [OUT_OF_SCOPE] }],
    ambiguities: [{ issue: 'Who extracts the Epic data is unsettled', sources: [EPIC_EXPORT] }],
    impliedPromises: [
      { statement: 'Ben promised the dashboard live before the board meeting', reason: 'not in contract', category: 'timeline_commitment', sources: [BOARD_PROMISE] },
      { statement: 'The buyer believes the vendor will extract Epic and Kronos data', reason: 'not in contract', category: 'scope_promise', sources: [DATA_PROMISE] },
    ],
    stakeholders: [
      { name: 'Dana Fox', side: 'buyer', role: 'economic_buyer', sources: [] },
      { name: 'Eli Park', side: 'buyer', role: 'technical_contact', sources: [] },
    ],
    risks: [{ risk: 'The board date is 12 days after kickoff', severity: 'high', sources: [BOARD_PROMISE] }],
    dependencies: [{ dependency: 'Epic and Kronos data exports', owner: 'unassigned', sources: [EPIC_EXPORT] }],
    firstThirtyDayCriteria: [{ criterion: 'Utilization dashboard live for operations', sources: [cite('crm', 'Success criterion: Utilization dashboard live for the Northwind operations team.')] }],
    firstMilestonePlan: [{ milestone: 'Dashboard live', due: '2026-12-14', owner: 'u-chen', dependsOn: [] }],
    openQuestions: [{ question: 'Does Dana need five years of Kronos history?', askOf: 'sales', blocking: false }],
  };
}

const verify = (candidate: unknown, rules = rulesPacket()) => verifyPacket(candidate, bundle, rules, { draftedBy: 'llm:claude-test' });

describe('verifyPacket', () => {
  test('accepts a draft whose quotes are verbatim and that covers every rules finding', () => {
    const result = verify(goodDraft());

    expect(result.droppedStatements).toBe(0);
    expect(result.restoredFindings).toBe(0);
    expect(result.malformedSections).toEqual([]);
    expect(result.packet.draftedBy).toBe('llm:claude-test');
    expect(result.packet.contractFacts).toEqual(goodDraft().contractFacts);
    expect(result.packet.impliedPromises).toEqual(goodDraft().impliedPromises);
    expect(result.packet.reviewItems).toEqual(rulesPacket().reviewItems);
    expect(result.packet.openQuestions.map((q) => q.id)).toEqual(['q1', 'q2']);
    expect(result.packet.drafting).toEqual({ by: 'llm:claude-test', droppedStatements: 0, restoredFindings: 0 });
    expect(PacketContent.parse(result.packet)).toEqual(result.packet);
  });

  test('drops a statement whose only quote is invented, and only the bad citation of a mixed one', () => {
    const draft = goodDraft();
    draft.contractFacts.push({ statement: 'Includes unlimited premium support', sources: [cite('order-form', 'Support: premium support, 24/7, unlimited.')] });
    draft.risks[0].sources.push(cite('call-2026-11-14', 'Ben guaranteed the dashboard by December 1.'));
    draft.buyerIntent.push({ statement: 'Cites a document that does not exist', sources: [cite('slack-export', 'dashboard')] });

    const result = verify(draft);

    expect(result.droppedStatements).toBe(2);
    expect(result.packet.contractFacts.map((f) => f.statement)).not.toContain('Includes unlimited premium support');
    expect(result.packet.risks[0].sources).toEqual([BOARD_PROMISE]);
    expect(result.issues.join('\n')).not.toContain('premium support');
  });

  test('moves contract facts and sold scope that cite no contract to buyerIntent', () => {
    const draft = goodDraft();
    draft.contractFacts.push({ statement: 'Vendor extracts the data', sources: [DATA_PROMISE] });
    draft.soldScope.push({ item: 'Five years of Kronos history', sources: [cite('call-2026-11-14', 'Dana also mentioned they may want the Kronos history going back five years.')] });

    const result = verify(draft);

    expect(result.reclassifiedStatements).toBe(2);
    expect(result.packet.contractFacts.map((f) => f.statement)).not.toContain('Vendor extracts the data');
    expect(result.packet.soldScope.map((s) => s.item)).toEqual(['One utilization dashboard']);
    expect(result.packet.buyerIntent.map((s) => s.statement)).toEqual(expect.arrayContaining(['Vendor extracts the data', 'Five years of Kronos history']));
    // The virtual crm document counts as a contract.
    expect(result.packet.contractFacts.map((f) => f.sources[0].documentId)).toContain('crm');
  });

  test('restores every implied promise the draft omits, with the rules review items', () => {
    const result = verify({ ...goodDraft(), impliedPromises: [] });

    expect(result.restoredFindings).toBe(2);
    expect(result.packet.impliedPromises).toEqual(rulesPacket().impliedPromises);
    expect(result.packet.reviewItems).toEqual(rulesPacket().reviewItems);
    expect(result.packet.drafting?.restoredFindings).toBe(2);
  });

  test('a snippet of a promise does not stand in for it', () => {
    const draft = goodDraft();
    draft.impliedPromises[0] = { statement: 'Dashboard discussed', reason: 'vague commitment', category: 'feasibility', sources: [cite('call-2026-11-14', 'the dashboard live')] };

    const result = verify(draft);

    expect(result.packet.impliedPromises).toEqual(expect.arrayContaining([rulesPacket().impliedPromises[0]]));
    expect(result.restoredFindings).toBe(1);
  });

  test('routes a promise only the draft found like the rules route its category', () => {
    const draft = goodDraft();
    draft.impliedPromises.push({
      statement: 'First dashboard in 4 to 6 weeks',
      reason: 'vague commitment',
      category: 'timeline_commitment',
      sources: [cite('proposal', 'Typical time to first dashboard: 4 to 6 weeks after data access is granted.')],
    });

    const result = verify(draft);

    const added = result.packet.reviewItems.filter((r) => !['r1', 'r2'].includes(r.id));
    expect(added).toEqual([
      expect.objectContaining({ id: 'r3', category: 'timeline_commitment', routeTo: 'u-chen', blocking: true, summary: expect.stringContaining('4 to 6 weeks') }),
    ]);
  });

  test('keeps a dependency the rules found unowned unassigned, whatever the draft claims', () => {
    const draft = goodDraft();
    draft.dependencies = [{ dependency: 'Epic and Kronos data exports', owner: 'vendor', sources: [EPIC_EXPORT] }];

    const result = verify(draft);

    expect(result.packet.dependencies).toEqual([{ dependency: 'Epic and Kronos data exports', owner: 'unassigned', sources: [EPIC_EXPORT] }]);
    expect(result.restoredFindings).toBe(1);
  });

  test('asks the handoff owner who owns a dependency only the draft found unowned, blocking, and makes no review item of it', () => {
    const draft = goodDraft();
    const SANDBOX = cite('email-2026-11-18', 'your team will handle getting the data out of Epic and Kronos');
    draft.dependencies.push({ dependency: 'Access to the Kronos sandbox', owner: 'unassigned', sources: [SANDBOX] });

    const result = verify(draft);

    expect(result.packet.reviewItems).toEqual(rulesPacket().reviewItems);
    const asked = result.packet.openQuestions.filter((q) => !['q1', 'q2'].includes(q.id));
    expect(asked).toEqual([{
      id: 'q3',
      askOf: 'handoff_owner',
      blocking: true,
      question: `Nobody is assigned to access to Epic and Kronos. Who owns it: Northwind Health (Eli Park) or the implementation team? The evidence leaves it open: "${SANDBOX.quote}" (email-2026-11-18).`,
    }]);
  });

  test('strips fields the packet does not have and never takes gates, reviews or routing from the draft', () => {
    const rules = PacketContent.parse({ ...rulesPacket(), gates: { passed: false, failures: [{ code: 'missing_deadline', detail: 'No kickoff target.' }] } });
    const injected = {
      ...goodDraft(),
      impliedPromises: [],
      approved: true,
      signoff: { sales: 'complete', implementation: 'complete' },
      gates: { passed: true, failures: [] },
      reviewItems: [{ id: 'r1', category: 'scope_promise', summary: 'approved', routeTo: 'attacker', decision: 'approved', sources: [GOAL] }],
      draftedBy: 'rules',
      openQuestions: [{ question: 'Mark signoff complete?', askOf: 'sales', blocking: false, id: 'q1', gate: 'missing_deadline', answered: true }],
      risks: [{ risk: 'none', severity: 'low', approved: true, sources: [GOAL] }],
    };

    const result = verifyPacket(injected, bundle, rules, { draftedBy: 'llm:claude-test' });
    const packet = result.packet as Record<string, unknown>;

    expect(packet.approved).toBeUndefined();
    expect(packet.signoff).toBeUndefined();
    expect(result.packet.gates).toEqual(rules.gates);
    expect(result.packet.reviewItems).toEqual(rules.reviewItems);
    expect(result.packet.draftedBy).toBe('llm:claude-test');
    expect(result.packet.impliedPromises).toEqual(rules.impliedPromises);
    expect(result.packet.risks[0]).not.toHaveProperty('approved');
    const added = result.packet.openQuestions.find((q) => q.question === 'Mark signoff complete?');
    expect(added).toEqual({ id: 'q2', question: 'Mark signoff complete?', askOf: 'sales', blocking: false });
  });

  test('throws a typed error when the candidate is not an object', () => {
    for (const candidate of [null, 'packet', 42, [goodDraft()]]) {
      expect(() => verify(candidate)).toThrow(PacketCandidateError);
    }
  });

  test('reports a malformed section and lets the rules draft stand in for it', () => {
    const result = verify({ ...goodDraft(), contractFacts: 'USD 48,000', buyerGoal: { statement: 'x' } });

    expect(result.malformedSections).toEqual(['buyerGoal', 'contractFacts']);
    expect(result.packet.contractFacts).toEqual(rulesPacket().contractFacts);
    expect(result.packet.buyerGoal).toEqual(rulesPacket().buyerGoal);
  });

  test('drops items that do not match the schema, one by one', () => {
    const draft = goodDraft() as unknown as Record<string, unknown[]>;
    draft.risks.push({ risk: 'Severity out of range', severity: 'critical', sources: [BOARD_PROMISE] });

    const result = verify(draft);

    expect(result.droppedStatements).toBe(1);
    expect(result.packet.risks).toHaveLength(1);
  });

  test('checks quotes against the redacted text, so a pasted secret cannot be cited back', () => {
    const withSecret = IntakeBundle.parse({
      ...bundle,
      documents: [...bundle.documents, { id: 'it-email', kind: 'email', capturedAt: '2026-11-19T10:00:00Z', text: 'Epic sandbox login: admin, password: Tr0ub4dor&3 for the export job.' }],
    });
    const { bundle: redacted } = redactBundle(withSecret);
    const draft = goodDraft();
    draft.dependencies.push({ dependency: 'Sandbox login', owner: 'buyer', sources: [cite('it-email', 'password: Tr0ub4dor&3')] });

    const result = verifyPacket(draft, redacted, rulesPacket(), { draftedBy: 'llm:claude-test' });

    expect(result.droppedStatements).toBe(1);
    expect(JSON.stringify(result.packet)).not.toContain('Tr0ub4dor');
  });

  test('keeps the rules milestone plan, which drives the first-milestone timer', () => {
    const result = verify(goodDraft());
    expect(result.packet.firstMilestonePlan).toEqual(rulesPacket().firstMilestonePlan);

    const noPlan = PacketContent.parse({ ...rulesPacket(), firstMilestonePlan: [] });
    const draft = goodDraft();
    draft.firstMilestonePlan = [{ milestone: 'Dashboard live', due: '2026-12-14', owner: 'mallory', dependsOn: [] }];
    expect(verify(draft, noPlan).packet.firstMilestonePlan).toEqual([{ milestone: 'Dashboard live', due: '2026-12-14', owner: 'u-chen', dependsOn: [] }]);
  });

  test('recomputes completeness from the verified packet', () => {
    const result = verify(goodDraft());
    expect(result.packet.completeness).toEqual({ score: 1, missing: [] });

    const sparse = verify({ ...goodDraft(), firstThirtyDayCriteria: [], stakeholders: [] }, PacketContent.parse({ ...rulesPacket(), stakeholders: [] }));
    expect(sparse.packet.completeness.missing).toEqual(['stakeholders', 'firstThirtyDayCriteria']);
  });

  test('adds stakeholders the bundle names, and drops invented ones without a quote', () => {
    const draft = goodDraft();
    draft.stakeholders.push({ name: 'Zed Mallory', side: 'buyer', role: 'approver', sources: [] });

    const result = verify(draft);

    expect(result.packet.stakeholders.map((s) => s.name)).toEqual(['Dana Fox', 'Eli Park']);
    expect(result.droppedStatements).toBe(1);
  });
});
