import { apiRoutes } from '../../src/api/routes';
import type { Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// Every endpoint × every kind of caller, against one handoff of the worked example in review
// (owners: u-ana handoff owner + ops, u-ben sales, u-chen implementation + every item's reviewer).
//
// "Allowed" is asserted without changing the handoff: a caller who passes the access rules reaches
// body validation (400, sent an empty body) or the workflow's own check (409: stale packet version,
// not awaiting signoff). 403: known to the handoff but not in that capacity, or not part of it at all
// (actions). 404: reads by someone not part of the handoff, so its existence is not confirmed. 401: no or an unknown token.

const callers = ['none', 'badToken', 'u-ana', 'u-ben', 'u-chen', 'admin', 'u-ops', 'u-dev', 'u-outsider', 'u-impl2'] as const;
type Caller = (typeof callers)[number];
type Expect = Partial<Record<Caller, number>> & { others: number };

interface Cell {
  method: 'GET' | 'POST';
  /** Express path of the route table, to check that the matrix covers every route. */
  route: string;
  path: (ids: Ids) => string;
  body?: (ids: Ids) => unknown;
  expect: Expect;
}
interface Ids {
  handoffId: string;
  itemId: string;
  hash: string;
}

// Reads hide a handoff from those who take no part in it (404); actions tell them no (403).
const outsiders = { 'u-dev': 404, 'u-outsider': 404, 'u-impl2': 404 };
const viewers = { 'u-ana': 200, 'u-ben': 200, 'u-chen': 200, admin: 200, 'u-ops': 200, ...outsiders };
const strangers = { 'u-dev': 403, 'u-outsider': 403, 'u-impl2': 403 };
const unauth = { none: 401, badToken: 401 };

const matrix: Cell[] = [
  { method: 'GET', route: '/healthz', path: () => '/healthz', expect: { others: 200 } },
  { method: 'GET', route: '/readyz', path: () => '/readyz', expect: { others: 200 } },
  { method: 'GET', route: '/openapi.json', path: () => '/openapi.json', expect: { others: 200 } },
  // Sign-in: public, but nothing without a link's token (400). Sessions belong to browsers: a bearer
  // caller has none (401); test/api/sessions.test.ts covers these routes with session cookies.
  { method: 'GET', route: '/auth/login', path: () => '/auth/login', expect: { others: 400 } },
  { method: 'POST', route: '/auth/login', path: () => '/auth/login', expect: { others: 400 } },
  { method: 'GET', route: '/auth/session', path: () => '/auth/session', expect: { others: 401 } },
  { method: 'POST', route: '/auth/logout', path: () => '/auth/logout', expect: { others: 401 } },
  {
    method: 'POST', route: '/handoffs', path: () => '/handoffs', body: () => ({}),
    expect: { ...unauth, 'u-ana': 400, 'u-ben': 400, admin: 400, 'u-ops': 400, 'u-dev': 400, others: 403 },
  },
  { method: 'GET', route: '/handoffs', path: () => '/handoffs', expect: { ...unauth, others: 200 } },
  { method: 'GET', route: '/handoffs/:id', path: (i) => `/handoffs/${i.handoffId}`, expect: { ...unauth, ...viewers, others: 0 } },
  { method: 'GET', route: '/handoffs/:id/packet', path: (i) => `/handoffs/${i.handoffId}/packet`, expect: { ...unauth, ...viewers, others: 0 } },
  { method: 'GET', route: '/handoffs/:id/documents', path: (i) => `/handoffs/${i.handoffId}/documents`, expect: { ...unauth, ...viewers, others: 0 } },
  { method: 'GET', route: '/handoffs/:id/documents/:documentId', path: (i) => `/handoffs/${i.handoffId}/documents/order-form`, expect: { ...unauth, ...viewers, others: 0 } },
  { method: 'GET', route: '/handoffs/:id/history', path: (i) => `/handoffs/${i.handoffId}/history`, expect: { ...unauth, ...viewers, others: 0 } },
  // In review nothing is released: 404 for everyone (test/api/kickoff.test.ts reads a released one).
  { method: 'GET', route: '/handoffs/:id/kickoff', path: (i) => `/handoffs/${i.handoffId}/kickoff`, expect: { ...unauth, others: 404 } },
  {
    method: 'POST', route: '/handoffs/:id/evidence', path: (i) => `/handoffs/${i.handoffId}/evidence`, body: () => ({}),
    expect: { ...unauth, ...strangers, 'u-ana': 400, 'u-ben': 400, admin: 400, 'u-ops': 400, 'u-chen': 403, others: 0 },
  },
  {
    method: 'POST', route: '/handoffs/:id/review-items/:itemId/decision',
    path: (i) => `/handoffs/${i.handoffId}/review-items/${i.itemId}/decision`,
    body: () => ({ decision: 'approved', packetVersion: 99 }),
    // Only the routed reviewer gets past the workflow's routing check, to its version check.
    expect: { ...unauth, ...strangers, 'u-chen': 409, 'u-ana': 403, 'u-ben': 403, admin: 403, 'u-ops': 403, others: 0 },
  },
  {
    method: 'POST', route: '/handoffs/:id/questions/:qid/answer', path: (i) => `/handoffs/${i.handoffId}/questions/q1/answer`, body: () => ({}),
    expect: { ...unauth, ...strangers, 'u-ana': 400, 'u-ben': 400, 'u-chen': 400, admin: 400, 'u-ops': 400, others: 0 },
  },
  {
    method: 'POST', route: '/handoffs/:id/changes', path: (i) => `/handoffs/${i.handoffId}/changes`, body: () => ({}),
    expect: { ...unauth, ...strangers, 'u-chen': 400, admin: 400, 'u-ana': 403, 'u-ben': 403, 'u-ops': 403, others: 0 },
  },
  {
    method: 'POST', route: '/handoffs/:id/signoff', path: (i) => `/handoffs/${i.handoffId}/signoff`,
    body: (i) => ({ role: 'implementation', packetVersion: 1, packetHash: i.hash }),
    // The named implementation owner passes the workflow's owner check and meets its stage check.
    expect: { ...unauth, ...strangers, 'u-chen': 409, 'u-ana': 403, 'u-ben': 403, admin: 403, 'u-ops': 403, others: 0 },
  },
  {
    method: 'POST', route: '/handoffs/:id/return', path: (i) => `/handoffs/${i.handoffId}/return`, body: () => ({}),
    expect: { ...unauth, ...strangers, 'u-chen': 400, admin: 400, 'u-ana': 403, 'u-ben': 403, 'u-ops': 403, others: 0 },
  },
  {
    method: 'POST', route: '/handoffs/:id/cancel', path: (i) => `/handoffs/${i.handoffId}/cancel`, body: () => ({}),
    expect: { ...unauth, ...strangers, 'u-ana': 400, admin: 400, 'u-ops': 400, 'u-ben': 403, 'u-chen': 403, others: 0 },
  },
  {
    method: 'POST', route: '/handoffs/:id/milestone', path: (i) => `/handoffs/${i.handoffId}/milestone`, body: () => ({ status: 'on_track' }),
    // A valid report reaches the workflow, which checks who before when: its stage check (409) means it let the caller report.
    expect: { ...unauth, ...strangers, 'u-chen': 409, 'u-ana': 409, admin: 409, 'u-ops': 409, 'u-ben': 403, others: 0 },
  },
  {
    method: 'POST', route: '/handoffs/:id/owners', path: (i) => `/handoffs/${i.handoffId}/owners`, body: () => ({}),
    // Owner changes: the handoff owner, ops, admin. Sales and the implementation owner may not name owners.
    expect: { ...unauth, ...strangers, 'u-ana': 400, admin: 400, 'u-ops': 400, 'u-ben': 403, 'u-chen': 403, others: 0 },
  },
  {
    method: 'POST', route: '/handoffs/:id/secrets/rotated', path: (i) => `/handoffs/${i.handoffId}/secrets/rotated`, body: () => ({ bogus: true }),
    // Rotation of redacted credentials: the handoff owner, ops, admin confirm it; not sales, not implementation.
    expect: { ...unauth, ...strangers, 'u-ana': 400, admin: 400, 'u-ops': 400, 'u-ben': 403, 'u-chen': 403, others: 0 },
  },
  { method: 'GET', route: '/inbox', path: () => '/inbox', expect: { ...unauth, others: 200 } },
  {
    method: 'GET', route: '/metrics/handoffs', path: () => '/metrics/handoffs',
    expect: { ...unauth, 'u-ana': 200, admin: 200, 'u-ops': 200, others: 403 },
  },
  {
    method: 'GET', route: '/metrics', path: () => '/metrics',
    expect: { ...unauth, 'u-ana': 200, admin: 200, 'u-ops': 200, others: 403 },
  },
  // Webhooks take a signature, never a bearer token: every caller here, admin included, is 401.
  { method: 'POST', route: '/webhooks/intake', path: () => '/webhooks/intake', body: () => ({}), expect: { others: 401 } },
  { method: 'POST', route: '/webhooks/hubspot', path: () => '/webhooks/hubspot', body: () => [], expect: { others: 401 } },
];

let h: Harness;
let ids: Ids;
beforeAll(async () => {
  h = await startApiHarness();
  const { handoffId, state } = await handoffInReview(h, 'matrix');
  const item = state.reviewItems.find((i: any) => i.routeTo === 'u-chen');
  ids = { handoffId, itemId: item.id, hash: state.packet.hash };
});
afterAll(async () => {
  await h?.close();
});

test('the matrix covers every route of the table', () => {
  const covered = matrix.map((c) => `${c.method} ${c.route}`).sort();
  const routes = apiRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
  expect(covered).toEqual(routes);
});

test('every endpoint answers each caller as the role table says', async () => {
  const failures: string[] = [];
  let cells = 0;
  for (const cell of matrix) {
    for (const caller of callers) {
      const expected = cell.expect[caller] ?? cell.expect.others;
      if (!expected) throw new Error(`matrix cell ${cell.method} ${cell.route} × ${caller} has no expectation`);
      const token = caller === 'none' ? undefined : caller === 'badToken' ? 'hnd_not-a-real-token' : h.tokens[caller];
      const res = await h.request(cell.method, cell.path(ids), { token, body: cell.body?.(ids) });
      cells++;
      if (res.status !== expected) failures.push(`${cell.method} ${cell.route} as ${caller}: ${res.status} (expected ${expected}) ${JSON.stringify(res.body).slice(0, 160)}`);
      if (res.status >= 400 && !/application\/problem\+json/.test(res.headers.get('content-type') ?? '')) {
        failures.push(`${cell.method} ${cell.route} as ${caller}: ${res.status} is not problem+json`);
      }
    }
  }
  expect(failures).toEqual([]);
  expect(cells).toBe(matrix.length * callers.length);
});

test('nothing in the matrix changed the handoff', async () => {
  const res = await h.request('GET', `/handoffs/${ids.handoffId}`, { token: h.tokens.admin });
  expect(res.body.stage).toBe('in_review');
  expect(res.body.reviewItems.every((i: any) => !i.decision)).toBe(true);
});
