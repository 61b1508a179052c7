import { findRedactionMarkers, redactBundle, redactSecrets } from '../../src/domain/redact';
import { sharedFixture } from '../support/bundles';

describe('redactSecrets', () => {
  const cases: Array<[text: string, secret: string, kind: string]> = [
    ['password: hunter22', 'hunter22', 'password'],
    ['Login with PWD=Xy7-pq!z then reset it', 'Xy7-pq!z', 'password'],
    ['The admin password is Winter2026! for now.', 'Winter2026!', 'password'],
    ['api_key=abc123XYZ987', 'abc123XYZ987', 'api_key'],
    ['Their API key is sk_live_51Habcdefghijklmnopq.', 'sk_live_51Habcdefghijklmnopq', 'api_key'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payloadpayload.signaturesig', 'eyJhbGciOiJIUzI1NiJ9.payloadpayload.signaturesig', 'bearer_token'],
    ['Use AKIAIOSFODNN7EXAMPLE for the bucket', 'AKIAIOSFODNN7EXAMPLE', 'aws_access_key'],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_key'],
    ['DB is postgres://app:s3cr3tP4ss@db.example:5432/app', 's3cr3tP4ss', 'connection_string_password'],
    ['token: ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'github_token'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEA', 'private_key'],
  ];

  it.each(cases)('redacts %j', (text, secret, kind) => {
    const result = redactSecrets(text);
    expect(result.text).not.toContain(secret);
    expect(result.text).toContain(`[REDACTED:${kind}]`);
    expect(result.findings.map((f) => f.kind)).toContain(kind);
    expect(JSON.stringify(result.findings)).not.toContain(secret);
  });

  it.each([
    'The password is stored in the vault.',
    'As a token of thanks, lunch is on us.',
    'SSO via Okta; passwords are managed by their IT team.',
    'Fees: USD 48,000 for a 12 month term.',
  ])('leaves prose alone: %j', (text) => {
    expect(redactSecrets(text)).toEqual({ text, findings: [] });
  });

  it('is idempotent: redacted text has no new findings but keeps its markers', () => {
    const once = redactSecrets('password: hunter22').text;
    expect(redactSecrets(once)).toEqual({ text: once, findings: [] });
    expect(findRedactionMarkers(once)).toEqual([{ kind: 'password' }]);
  });
});

describe('redactBundle', () => {
  it('redacts document texts, titles and structured lines, naming the document', () => {
    const bundle = sharedFixture('worked-example');
    bundle.documents[2].text += ' Eli shared the Epic password: Ep1c!Sched';
    bundle.documents[2].title = 'Notes, token=tok_9f8e7d6c5b';
    bundle.successCriteria = ['Dashboard live; api_key=abcd1234efgh'];
    const { bundle: redacted, findings } = redactBundle(bundle);
    const json = JSON.stringify(redacted);
    for (const secret of ['Ep1c!Sched', 'tok_9f8e7d6c5b', 'abcd1234efgh']) expect(json).not.toContain(secret);
    expect(findings).toEqual(expect.arrayContaining([
      { documentId: 'call-2026-11-14', kind: 'password' },
      { documentId: 'call-2026-11-14', kind: 'access_token' },
      { documentId: 'crm', kind: 'api_key' },
    ]));
  });

  it('returns an equal bundle when there is nothing to redact', () => {
    const bundle = sharedFixture('worked-example');
    expect(redactBundle(bundle)).toEqual({ bundle, findings: [] });
  });
});
