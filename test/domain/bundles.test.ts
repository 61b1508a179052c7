import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { draftPacket } from '../../src/domain/draft';
import { checkTrigger } from '../../src/domain/gates';
import { IntakeBundle } from '../../src/domain/intake';
import { gateCodes, PacketContent, promiseCategories, type GateCode, type PromiseCategory } from '../../src/domain/packet';
import { expectCitationsVerbatim } from '../support/citations';
import { bundleFixtureDir, readJson } from '../support/bundles';

// Our own bundles, in other industries and wordings than the shared fixtures: each states the
// gates and implied promises a delivery lead would expect from it.

interface Expectation {
  gates: GateCode[];
  promises: Array<{ category: PromiseCategory; reason: string; quote: string }>;
}

const expectations: Record<string, Expectation> = {
  'clean-retail-analytics': { gates: [], promises: [] },
  'support-weekend-manufacturing': {
    gates: [],
    promises: [{ category: 'support_expectation', reason: 'exceeds contract', quote: 'on call 24/7 during the cutover weekend' }],
  },
  'feasibility-sis-university': {
    gates: ['missing_system_of_record'],
    promises: [{ category: 'feasibility', reason: 'not in contract', quote: 'can integrate with Banner without custom work' }],
  },
  'term-and-data-contradiction-freight': {
    gates: ['contradiction', 'contradiction'],
    promises: [{ category: 'scope_promise', reason: 'not in contract', quote: 'your team will pull the shipment history data' }],
  },
  'stale-proposal-insurance': { gates: ['missing_deadline', 'stale_evidence'], promises: [] },
  'secrets-payments': { gates: ['out_of_policy'], promises: [] },
  'kickoff-before-close-hotels': { gates: ['missing_handoff_owner', 'out_of_policy'], promises: [] },
  'training-count-school-district': {
    gates: [],
    promises: [{ category: 'scope_promise', reason: 'exceeds contract', quote: 'I promised five teacher training sessions' }],
  },
  'timeline-gala-nonprofit': {
    gates: ['missing_implementation_owner'],
    promises: [{ category: 'timeline_commitment', reason: 'not in contract', quote: 'live before the donor gala on December 12' }],
  },
  'onsite-notsold-agriculture': {
    gates: [],
    promises: [{ category: 'scope_promise', reason: 'exceeds contract', quote: 'coming on-site to train the elevator crews' }],
  },
  'injection-law-firm': {
    gates: [],
    promises: [{ category: 'scope_promise', reason: 'not in contract', quote: 'migrate our old document archive' }],
  },
};

const files = readdirSync(bundleFixtureDir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
const drafted = new Map<string, PacketContent>();
function packetFor(name: string): PacketContent {
  if (!drafted.has(name)) drafted.set(name, draftPacket(IntakeBundle.parse(readJson(join(bundleFixtureDir, `${name}.json`)))));
  return drafted.get(name)!;
}

describe('own bundles', () => {
  it('has at least ten valid bundles, each with an expectation', () => {
    expect(Object.keys(expectations).length).toBeGreaterThanOrEqual(10);
    expect(files.filter((f) => f !== 'invalid-trigger-renewal').sort()).toEqual(Object.keys(expectations).sort());
  });

  describe.each(Object.entries(expectations))('%s', (name, expected) => {
    const bundle = () => IntakeBundle.parse(readJson(join(bundleFixtureDir, `${name}.json`)));

    it('fails exactly the expected gates', () => {
      expect(packetFor(name).gates.failures.map((f) => f.code)).toEqual(expected.gates);
    });

    it('finds the expected implied promises and no others', () => {
      const found = packetFor(name).impliedPromises.map((p) => ({ category: p.category, reason: p.reason, statement: p.statement }));
      expect(found).toHaveLength(expected.promises.length);
      for (const promise of expected.promises) {
        expect(found).toContainEqual({ category: promise.category, reason: promise.reason, statement: expect.stringContaining(promise.quote) });
      }
    });

    it('is a valid packet whose citations are all verbatim', () => {
      const packet = packetFor(name);
      expect(PacketContent.parse(packet)).toEqual(packet);
      expectCitationsVerbatim(packet, bundle());
    });
  });

  it('together they cover every gate code and every promise category', () => {
    const gates = new Set(Object.values(expectations).flatMap((e) => e.gates));
    if (checkTrigger(readJson(join(bundleFixtureDir, 'invalid-trigger-renewal.json')))) gates.add('trigger_not_handoff');
    // missing_scope_evidence: the nonprofit deal without its order form.
    const noScope = IntakeBundle.parse(readJson(join(bundleFixtureDir, 'timeline-gala-nonprofit.json')));
    noScope.documents = noScope.documents.filter((d) => d.kind !== 'agreement');
    for (const f of draftPacket(noScope).gates.failures) gates.add(f.code);
    expect([...gates].sort()).toEqual([...gateCodes].sort());
    const categories = new Set(Object.values(expectations).flatMap((e) => e.promises.map((p) => p.category)));
    expect([...categories].sort()).toEqual([...promiseCategories].sort());
  });

  it('the clean deal passes the gates with no implied promise, no review item and no ambiguity', () => {
    const packet = packetFor('clean-retail-analytics');
    expect(packet.gates.passed).toBe(true);
    expect(packet.reviewItems).toEqual([]);
    expect(packet.ambiguities).toEqual([]);
    expect(packet.dependencies).toEqual([expect.objectContaining({ owner: 'buyer' })]);
    expect(packet.completeness.score).toBe(1);
  });

  it('the contradictions of the freight deal are the term and who pulls the data', () => {
    const details = packetFor('term-and-data-contradiction-freight').gates.failures.map((f) => f.detail);
    expect(details[0]).toMatch(/term differs.*24 months.*12 months/);
    expect(details[1]).toMatch(/provides the data/);
  });

  it('the invalid-trigger bundle is rejected by the schema', () => {
    expect(IntakeBundle.safeParse(readJson(join(bundleFixtureDir, 'invalid-trigger-renewal.json'))).success).toBe(false);
  });
});
