import { checkGates } from '../../src/domain/gates';
import { IntakeBundle } from '../../src/domain/intake';
import { redactBundle } from '../../src/domain/redact';
import { secretSites, unrotatedSecretSites, withRotationConfirmed } from '../../src/domain/secret-rotation';
import { sharedFixture } from '../support/bundles';

// The out_of_policy gate for pasted secrets: it holds while a redacted credential is not confirmed
// rotated, passes once it is, and holds again for a secret pasted after the confirmation.

const NOW = new Date('2026-11-25T00:00:00Z');
const AT = '2026-11-25T10:00:00Z';
const secretFailures = (bundle: IntakeBundle) => checkGates(bundle, NOW).failures.filter((f) => f.code === 'out_of_policy' && f.field !== 'kickoffTarget');
/** The bundle as the API stores it: redacted. */
const stored = (bundle: IntakeBundle) => IntakeBundle.parse(redactBundle(bundle).bundle);

describe('the secret gate', () => {
  const withSecret = () => {
    const bundle = sharedFixture('worked-example');
    bundle.documents[3].text += ' PS: the Kronos pass: Zq4!mR8#tWv for now.';
    return stored(bundle);
  };

  it('holds for a redacted credential, without echoing it, and says how to go on', () => {
    const failures = secretFailures(withSecret());
    expect(failures).toEqual([expect.objectContaining({ documentId: 'email-2026-11-18', field: 'documents' })]);
    expect(failures[0].detail).toMatch(/rotat/i);
    expect(failures[0].detail).toContain('secrets/rotated');
    expect(failures[0].sources[0].quote).toContain('[REDACTED:password]');
    expect(JSON.stringify(failures)).not.toContain('Zq4!mR8#tWv');
  });

  it('passes once the rotation is confirmed, and the confirmation names who and when', () => {
    const confirmed = IntakeBundle.parse(withRotationConfirmed(withSecret(), 'u-ana', AT, 'u-ana:r1'));
    expect(confirmed.secretRotations).toEqual([{ by: 'u-ana', at: AT, requestId: 'u-ana:r1', sites: ['document:email-2026-11-18'] }]);
    expect(secretFailures(confirmed)).toEqual([]);
    expect(checkGates(confirmed, NOW).passed).toBe(true);
  });

  it('holds again for a secret pasted after the confirmation, only for the new place', () => {
    const confirmed = withRotationConfirmed(withSecret(), 'u-ana', AT);
    const later = stored({
      ...confirmed,
      documents: [...confirmed.documents, { id: 'email-late', kind: 'email', capturedAt: '2026-11-24T09:00:00Z', text: 'New login: password: N3wS3cret!x' }],
    });
    expect(secretFailures(later).map((f) => f.documentId)).toEqual(['email-late']);
    expect(unrotatedSecretSites(later).map((s) => s.key)).toEqual(['document:email-late']);
    expect(secretFailures(withRotationConfirmed(later, 'u-ops', AT))).toEqual([]);
  });

  it('a field holding a secret is a place too; a new secret in the same field is a new place', () => {
    const bundle = sharedFixture('worked-example');
    bundle.systemOfRecord = { system: 'salesforce', recordId: 'token ghp_4Fq9Lm2Xv7Rt1Kp8Zs3Wd6Yh0Nc5Bj2Ga7Ue9' };
    const first = stored(bundle);
    expect(secretFailures(first)).toEqual([expect.objectContaining({ field: 'systemOfRecord.recordId' })]);
    expect(secretFailures(first)[0].documentId).toBeUndefined();
    const confirmed = withRotationConfirmed(first, 'u-ana', AT);
    expect(secretFailures(confirmed)).toEqual([]);
    const changed = stored({ ...confirmed, systemOfRecord: { system: 'salesforce', recordId: '006-123 password: An0ther!Pw' } });
    expect(secretFailures(changed)).toEqual([expect.objectContaining({ field: 'systemOfRecord.recordId' })]);
  });

  it('success criteria and not-sold lines report under the crm document', () => {
    const bundle = sharedFixture('worked-example');
    bundle.notSold = ['Weekend support; api_key=abc123XYZ987qrsT'];
    const sites = secretSites(stored(bundle));
    expect(sites).toEqual([expect.objectContaining({ documentId: 'crm', field: 'successCriteria/notSold', kinds: ['api_key'] })]);
  });

  it('a rotation confirms nothing about the kickoff date: that out_of_policy gate stays', () => {
    const bundle = withRotationConfirmed({ ...withSecret(), kickoffTarget: '2026-11-10' }, 'u-ana', AT);
    expect(checkGates(bundle, NOW).failures).toEqual([expect.objectContaining({ code: 'out_of_policy', field: 'kickoffTarget' })]);
  });

  it('a confirmation with nothing to cover covers nothing later', () => {
    const clean = withRotationConfirmed(sharedFixture('worked-example'), 'u-ana', AT);
    expect(clean.secretRotations).toEqual([{ by: 'u-ana', at: AT, sites: [] }]);
    const later = stored({ ...clean, documents: [...clean.documents, { id: 'n1', kind: 'email', capturedAt: '2026-11-24T09:00:00Z', text: 'pwd - Tr0ub4dor&3xQ' }] });
    expect(secretFailures(later).map((f) => f.documentId)).toEqual(['n1']);
  });
});
