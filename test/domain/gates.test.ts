import { checkGates, checkTrigger, defaultGatePolicy } from '../../src/domain/gates';
import type { IntakeBundle } from '../../src/domain/intake';
import { GateResult } from '../../src/domain/packet';
import { expectCitationsVerbatim } from '../support/citations';
import { sharedFixture } from '../support/bundles';

const NOW = new Date('2026-11-25T00:00:00Z');
const codes = (bundle: IntakeBundle, now = NOW) => checkGates(bundle, now).failures.map((f) => f.code);

describe('checkGates on the shared fixtures', () => {
  it('passes the worked example (its proposal, 18 days before close, is not stale)', () => {
    const bundle = sharedFixture('worked-example');
    expect(checkGates(bundle, NOW)).toEqual({ passed: true, failures: [] });
  });

  it('finds both contradictions of contradiction.json, each citing both sources verbatim', () => {
    const bundle = sharedFixture('contradiction');
    const result = checkGates(bundle, NOW);
    expect(GateResult.parse(result)).toEqual(result);
    expect(result.passed).toBe(false);
    expect(result.failures.map((f) => f.code)).toEqual(['contradiction', 'contradiction']);
    const [amount, goLive] = result.failures;
    expect(amount.sources).toEqual([
      { documentId: 'sow', quote: 'Total fees: USD 42,000.' },
      { documentId: 'crm', quote: 'Amount: 36000 USD.' },
    ]);
    expect(amount.detail).toMatch(/42,000.*36,000/);
    expect(goLive.sources.map((s) => s.documentId)).toEqual(['sow', 'call-1']);
    expect(goLive.sources[0].quote).toContain('February 2, 2027');
    expect(goLive.sources[1].quote).toContain('January 15, 2027');
    expectCitationsVerbatim(result, bundle);
  });

  it('reports the missing implementation owner and scope evidence of missing-evidence.json', () => {
    expect(codes(sharedFixture('missing-evidence'))).toEqual(['missing_implementation_owner', 'missing_scope_evidence']);
  });
});

describe('each gate', () => {
  const base = (): IntakeBundle => sharedFixture('worked-example');

  it('trigger_not_handoff on unparsed input', () => {
    expect(checkTrigger({ trigger: 'renewal' })).toMatchObject({ code: 'trigger_not_handoff', field: 'trigger' });
    expect(checkTrigger({ trigger: 'deal_closed' })).toBeNull();
    expect(codes({ ...base(), trigger: 'renewal' } as unknown as IntakeBundle)).toEqual(['trigger_not_handoff']);
  });

  it('missing owners, deadline and system of record', () => {
    const bundle = { ...base(), owners: {}, kickoffTarget: undefined, systemOfRecord: undefined };
    expect(codes(bundle)).toEqual(['missing_handoff_owner', 'missing_implementation_owner', 'missing_deadline', 'missing_system_of_record']);
  });

  it('missing_scope_evidence when only conversations are attached', () => {
    const bundle = base();
    bundle.documents = bundle.documents.filter((d) => d.kind === 'call_notes' || d.kind === 'email');
    expect(codes(bundle)).toEqual(['missing_scope_evidence']);
  });

  it('stale_evidence past staleAfterDays before close, configurable', () => {
    const bundle = base();
    expect(codes(bundle, NOW)).toEqual([]);
    const strict = checkGates(bundle, NOW, { staleAfterDays: 10 });
    expect(strict.failures).toEqual([expect.objectContaining({ code: 'stale_evidence', documentId: 'proposal' })]);
    expect(defaultGatePolicy.staleAfterDays).toBe(30);
  });

  it('out_of_policy when kickoff is before close', () => {
    expect(checkGates({ ...base(), kickoffTarget: '2026-11-10' }, NOW).failures).toEqual([
      expect.objectContaining({ code: 'out_of_policy', field: 'kickoffTarget' }),
    ]);
  });

  it('out_of_policy for a pasted credential, without echoing it', () => {
    const bundle = base();
    bundle.documents[3].text += ' PS: the Kronos API key is kr0n0s-Key-998877.';
    const result = checkGates(bundle, NOW);
    expect(result.failures).toEqual([expect.objectContaining({ code: 'out_of_policy', documentId: 'email-2026-11-18' })]);
    expect(JSON.stringify(result)).not.toContain('kr0n0s-Key-998877');
    expect(result.failures[0].sources[0].quote).toContain('[REDACTED:api_key]');
  });

  it('still flags evidence that was stored already redacted', () => {
    const bundle = base();
    bundle.documents[3].text += ' PS: password: [REDACTED:password]';
    expect(codes(bundle)).toEqual(['out_of_policy']);
  });

  it('contradiction on who provides the data, citing both sides', () => {
    const bundle = base();
    bundle.documents[0].text += '\nCustomer will provide the Epic and Kronos data exports.';
    const failure = checkGates(bundle, NOW).failures.find((f) => f.code === 'contradiction');
    expect(failure?.sources.map((s) => s.documentId)).toEqual(['order-form', 'email-2026-11-18']);
  });
});
