import { BusinessDate, BusinessDateTime, IntakeBundle } from '../../src/domain/intake';
import { AddEvidenceBody } from '../../src/domain/review';
import { loadSharedFixture } from '../support/fixtures';

// Dates a handoff holds are limited to the years 2000–2199 (see intake.ts for why): the edges are
// taken, one day past either edge is not, and every schema that takes a date applies it.

test('the edges of 2000–2199 are taken; a day outside, year 0000 and expanded years are not', () => {
  for (const ok of ['2000-01-01', '2026-12-03', '2199-12-31']) expect([ok, BusinessDate.safeParse(ok).success]).toEqual([ok, true]);
  for (const bad of ['1999-12-31', '2200-01-01', '0000-01-01', '9999-12-31', '+002026-01-01', '2026-02-30']) expect([bad, BusinessDate.safeParse(bad).success]).toEqual([bad, false]);
  for (const ok of ['2000-01-01T00:00:00Z', '2199-12-31T23:59:59.999+14:00']) expect([ok, BusinessDateTime.safeParse(ok).success]).toEqual([ok, true]);
  for (const bad of ['1999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '2200-01-01T00:00:00Z', '2026-01-01T00:00:00']) expect([bad, BusinessDateTime.safeParse(bad).success]).toEqual([bad, false]);
});

test('the bundle and evidence schemas refuse year 0000 at the field', () => {
  const bundle = loadSharedFixture('worked-example');
  const paths = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) => r.error?.issues.map((i) => i.path.join('.')) ?? [];
  expect(paths(IntakeBundle.safeParse({ ...bundle, kickoffTarget: '0000-01-01' }))).toEqual(['kickoffTarget']);
  expect(paths(IntakeBundle.safeParse({ ...bundle, closedAt: '0000-01-01T00:00:00Z' }))).toEqual(['closedAt']);
  expect(paths(IntakeBundle.safeParse({ ...bundle, documents: [{ ...bundle.documents[0], capturedAt: '0000-01-01T00:00:00Z' }] }))).toEqual(['documents.0.capturedAt']);
  const doc = { id: 'd', kind: 'email', capturedAt: '2026-01-01T00:00:00Z', text: 't' };
  expect(paths(AddEvidenceBody.safeParse({ documents: [doc], kickoffTarget: '0000-01-01' }))).toEqual(['kickoffTarget']);
  expect(AddEvidenceBody.safeParse({ documents: [doc], kickoffTarget: '2026-12-10' }).success).toBe(true);
});
