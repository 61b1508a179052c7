import { bundleTexts, findRedactionMarkers, redactBundle, redactSecrets } from '../../src/domain/redact';
import { findSecrets, secretRuleSource } from '../../src/domain/secret-scan';
import { sharedFixture } from '../support/bundles';
import { secretShapes } from '../support/secret-shapes';

describe('redactSecrets', () => {
  it('knows at least 40 shapes, the fourteen of the attack among them', () => {
    expect(secretShapes.length).toBeGreaterThanOrEqual(40);
    expect(secretShapes.slice(0, 14).map((s) => s.name)).toEqual([
      'pwd - X', 'PGP private key block', 'URL password containing /', 'github_pat_', 'Azure AccountKey=', 'Authorization: Basic',
      'user:pass@host', 'AWS secret key in prose', 'pass: X', 'Slack webhook URL', 'client secret X',
      'zero-width characters inside "password"', 'password in lower case', 'npm _authToken=',
    ]);
    expect(secretShapes.some((s) => s.name === 'whsec_')).toBe(true);
  });

  it.each(secretShapes.map((s) => [s.name, s] as const))('redacts %s', (_name, shape) => {
    const result = redactSecrets(shape.text);
    for (const secret of shape.secrets) expect(result.text).not.toContain(secret);
    expect(findRedactionMarkers(result.text).length).toBeGreaterThan(0);
    expect(result.findings.length).toBeGreaterThan(0);
    for (const secret of shape.secrets) expect(JSON.stringify(result.findings)).not.toContain(secret);
    // The prose around the secret stays readable: only the secret becomes a marker.
    expect(result.text.slice(0, 6)).toBe(shape.text.slice(0, 6));
  });

  it('names the kind of well-known shapes', () => {
    const kinds = (text: string) => redactSecrets(text).findings.map((f) => f.kind);
    expect(kinds('password: hunter22')).toEqual(['password']);
    expect(kinds('Use AKIAQ3EGRT5XK7PLM2NB for the bucket')).toEqual(['aws_access_key']);
    expect(kinds('DB is postgres://app:s3cr3tP4ss@db.example:5432/app')).toEqual(['connection_string_password']);
    expect(kinds('-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----')).toEqual(['private_key']);
    // A shape only gitleaks' rule set knows keeps gitleaks' rule id as its kind.
    expect(kinds('Mirror with glpat-Xq7Lm2Vn9Rt4Kp8Zs1Wd for the scripts.')).toEqual(['gitlab_pat']);
  });

  it.each([
    'The password is stored in the vault.',
    'As a token of thanks, lunch is on us.',
    'SSO via Okta; passwords are managed by their IT team.',
    'Fees: USD 48,000 for a 12 month term.',
    'Password reset is out of scope; their IT team owns it.',
    'The key stakeholder is Dana Whitfield, the COO.',
    'API access will be discussed at kickoff; token refresh every hour.',
    'Please pass: the agenda is attached.',
    'Our secret sauce is the scheduling model.',
    'Write to jane.doe@northwind-health.com about the data export.',
    'The portal runs at https://portal.northwind-health.com:8443/login?next=/home for clinic staff.',
    'Staging is http://staging.example:8080/app?contact=ops@example.com today.',
    'postgres://db.northwind-health.net:5432/warehouse holds the source tables.',
    'Go-live needs the API key from their admin (to be shared through the vault).',
  ])('leaves prose alone: %j', (text) => {
    expect(redactSecrets(text)).toEqual({ text, findings: [] });
  });

  it('is idempotent: redacted text has no new findings but keeps its markers', () => {
    const once = redactSecrets('password: hunter22 and glpat-Xq7Lm2Vn9Rt4Kp8Zs1Wd').text;
    expect(redactSecrets(once)).toEqual({ text: once, findings: [] });
    expect(findRedactionMarkers(once)).toEqual([{ kind: 'password' }, { kind: 'gitlab_pat' }]);
  });

  it('matches on NFKC text without zero-width characters, and replaces exactly the original secret', () => {
    const text = 'pass\u200bword: Aut0mn!2025xQ (ask Eli)';
    const [span] = findSecrets(text);
    expect(text.slice(span.start, span.end)).toBe('Aut0mn!2025xQ');
    expect(redactSecrets(text).text).toBe('pass\u200bword: [REDACTED:password] (ask Eli)');
    // A zero-width space inside the secret itself is part of what is removed.
    const inside = 'token ghp_7Hd2Kq9\u200bLm4Xv1Rt8Zs3Wp6Yn0Bc5Jg2Ua7Fe9 ok';
    expect(redactSecrets(inside).text).toBe('token [REDACTED:github_token] ok');
  });

  it('runs gitleaks\' maintained rule set, ported as data with its source named', () => {
    expect(secretRuleSource.gitleaksRules).toBeGreaterThanOrEqual(200);
    expect(secretRuleSource.gitleaks.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(secretRuleSource.gitleaks.license).toMatch(/MIT/);
  });

  it('stays fast on hostile input: long runs, dense keywords, many near-misses (linear-time matching)', () => {
    const hostile = [
      'a'.repeat(150_000) + '://',
      'password '.repeat(20_000),
      `${'-----BEGIN RSA PRIVATE KEY-----'.repeat(2_000)}${'x'.repeat(50_000)}`,
      'key: token: secret: api: auth: '.repeat(5_000),
      `aws ${'A1b2'.repeat(30_000)}`,
      `x:${'y'.repeat(100_000)}@`,
    ];
    const started = Date.now();
    for (const text of hostile) redactSecrets(text);
    // Generous for a loaded CI machine; a backtracking pattern would take minutes here.
    expect(Date.now() - started).toBeLessThan(20_000);
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
      { documentId: 'call-2026-11-14', field: 'documents', kind: 'password' },
      { documentId: 'call-2026-11-14', field: 'documents', kind: 'access_token' },
      { documentId: 'crm', field: 'successCriteria/notSold', kind: 'api_key' },
    ]));
  });

  it('redacts every other free-text field too (names, titles, roles, record ids, products), by path', () => {
    const bundle = sharedFixture('worked-example');
    bundle.customer.name = 'Northwind pwd - Tr0ub4dor&3xQ';
    bundle.stakeholders[0].title = 'CIO, password: Ep1c!Sched#42';
    bundle.systemOfRecord = { system: 'salesforce', recordId: 'token ghp_4Fq9Lm2Xv7Rt1Kp8Zs3Wd6Yh0Nc5Bj2Ga7Ue9' };
    bundle.owners.sales = { ...bundle.owners.sales!, name: 'Ben pass: Zq4!mR8#tWv' };
    bundle.crm = { ...bundle.crm, products: ['Analytics, api_key=abc123XYZ987qrsT'] };
    const { bundle: redacted, findings } = redactBundle(bundle);
    const json = JSON.stringify(redacted);
    for (const secret of ['Tr0ub4dor&3xQ', 'Ep1c!Sched#42', '4Fq9Lm2Xv7Rt1Kp8Zs3Wd6Yh0Nc5Bj2Ga7Ue9', 'Zq4!mR8#tWv', 'abc123XYZ987qrsT']) expect(json).not.toContain(secret);
    expect(findings.map((f) => f.field).sort()).toEqual(['crm.products.0', 'customer.name', 'owners.sales.name', 'stakeholders.0.title', 'systemOfRecord.recordId']);
    // The input is left as it was: callers may still hold it.
    expect(bundle.customer.name).toContain('Tr0ub4dor&3xQ');
  });

  it('lists ids and dates as no free text (they are refused, not redacted, at the API)', () => {
    const fields = bundleTexts(sharedFixture('worked-example')).map((t) => t.field);
    expect(fields).not.toContain('dealId');
    expect(fields.some((f) => /capturedAt|closedAt|kickoffTarget|email/.test(f))).toBe(false);
  });

  it('returns an equal bundle when there is nothing to redact', () => {
    const bundle = sharedFixture('worked-example');
    expect(redactBundle(bundle)).toEqual({ bundle, findings: [] });
  });
});
