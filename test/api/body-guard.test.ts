import { findBodyIssue, MAX_BODY_DEPTH } from '../../src/api/body-guard';
import { createPool, type Pool } from '../../src/db/pool';
import { isStorableText, storableJson, storableText, unstorableReason } from '../../src/db/safe-text';

// The body guard and the storable-text helpers, and against the real Postgres of global setup: what
// they refuse is exactly what Postgres refuses, and what they repair Postgres stores.

let pool: Pool;
beforeAll(() => {
  pool = createPool(process.env.DATABASE_URL!);
});
afterAll(async () => {
  await pool?.end();
});

const nest = (depth: number, leaf: unknown = 'x'): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

describe('findBodyIssue', () => {
  test('names the field holding a lone surrogate or a NUL, at any depth and in arrays', () => {
    expect(findBodyIssue({ documents: [{ id: 'd1', text: 'ok' }, { id: 'd2', text: 'bad \ud800' }] })).toEqual({
      path: 'documents.1.text',
      message: expect.stringMatching(/surrogate/),
    });
    expect(findBodyIssue({ criteriaMet: ['SSO', 'x\u0000'] })).toEqual({ path: 'criteriaMet.1', message: expect.stringMatching(/NUL/) });
    expect(findBodyIssue('\udc00')).toEqual({ path: '', message: expect.stringMatching(/surrogate/) });
  });

  test('names a field whose name is the culprit, with the name made printable', () => {
    const issue = findBodyIssue({ owners: { ['\ud800x']: 1 } });
    expect(issue?.path).toBe('owners.\ufffdx');
    expect(issue?.message).toMatch(/field name/);
    expect(isStorableText(issue!.path)).toBe(true);
  });

  test('takes valid text: surrogate pairs, RTL marks, zero-width and injection strings', () => {
    expect(findBodyIssue({ a: '🎉 İstanbul', b: ['\u202Eevil', 'zero\u200bwidth', "' OR 1=1 --"], c: { d: null, e: 3, f: true } })).toBeUndefined();
  });

  test(`bodies up to ${MAX_BODY_DEPTH} levels pass; one more is refused at that path`, () => {
    expect(findBodyIssue(nest(MAX_BODY_DEPTH))).toBeUndefined();
    expect(findBodyIssue(nest(MAX_BODY_DEPTH + 1))).toEqual({ path: Array(MAX_BODY_DEPTH).fill('a').join('.'), message: expect.stringMatching(/deeper/) });
  });

  test('a body 100,000 levels deep is refused without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(findBodyIssue(deep)?.path).toBe(Array(MAX_BODY_DEPTH).fill('0').join('.'));
  });
});

describe('storable text', () => {
  test('replaces lone surrogates and NUL with U+FFFD and keeps pairs', () => {
    expect(storableText('a\ud800b\u0000c🎉\udc00')).toBe('a\ufffdb\ufffdc🎉\ufffd');
    expect(storableText('\udc00\ud800')).toBe('\ufffd\ufffd');
    expect(unstorableReason('🎉')).toBeUndefined();
  });

  test('storableJson repairs strings and keys at any depth and returns clean values as they are', () => {
    const clean = { a: ['x', { b: 'y' }], n: 1 };
    expect(storableJson(clean)).toBe(clean);
    expect(storableJson({ a: ['\ud800'], ['k\u0000']: { deep: 'x\udbff' } })).toEqual({ a: ['\ufffd'], ['k\ufffd']: { deep: 'x\ufffd' } });
  });

  test('Postgres refuses what the helpers flag and stores what they repair', async () => {
    const bad = { criteriaMet: ['Data access \ud800'], note: 'nul \u0000 here' };
    await expect(pool.query('SELECT $1::jsonb AS v', [JSON.stringify({ criteriaMet: bad.criteriaMet })])).rejects.toThrow(/invalid input syntax for type json/);
    await expect(pool.query('SELECT $1::jsonb AS v', [JSON.stringify({ note: bad.note })])).rejects.toThrow(/invalid input syntax for type json|unsupported Unicode/);
    await expect(pool.query('SELECT $1::text AS v', ['nul \u0000 here'])).rejects.toThrow(/0x00/);
    const repaired = storableJson(bad);
    const { rows } = await pool.query('SELECT $1::jsonb AS v, $2::text AS t', [JSON.stringify(repaired), storableText('nul \u0000 here')]);
    expect(rows[0].v).toEqual({ criteriaMet: ['Data access \ufffd'], note: 'nul \ufffd here' });
    expect(rows[0].t).toBe('nul \ufffd here');
  });
});
