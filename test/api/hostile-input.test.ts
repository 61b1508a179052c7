import { apiRoutes } from '../../src/api/routes';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import type { Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// Malformed and hostile requests across every route, generated from a few lists: the API must
// answer each with a 4xx problem (or a success where the input is odd but valid), never a 5xx, and
// every 400 names field paths. Probes that must be refused say so, with the path they must name.
// Loopback only; bounded in count and in time.

const MAX_BODY_BYTES = 64 * 1024;
const MIN_REQUESTS = 2000;
const MAX_REQUESTS = 5000;
/** A few requests at a time: the probes finish sooner, and the API meets some concurrency. */
const CONCURRENCY = 4;

interface Probe {
  method: string;
  path: string;
  token?: string;
  /** A string is sent as-is (bad JSON); anything else is JSON-encoded. */
  body?: unknown;
  headers?: Record<string, string>;
  why: string;
  /** Set when the probe must be refused: the status, and a field path the problem must name. */
  refuse?: { status: 400; path: string | RegExp };
}

const hostileStrings = [
  '',
  ' ',
  'x'.repeat(20_000),
  "' OR 1=1 --",
  '"; DROP TABLE handoffs; --',
  '$(rm -rf /)',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00',
  'nul\u0000byte',
  '\ud800 lone surrogate',
  '\u202Eevil RTL',
  'zero\u200bwidth',
  '🎉🔥 emoji',
  'İstanbul ǅ ß',
  '\r\nSet-Cookie: a=b',
  '__proto__',
];

/** Strings Postgres cannot store (NUL; unpaired surrogates, sent as JSON escapes such as "\ud800"). */
const unstorable = ['\ud800', 'tail \udbff', '\udc00 head', 'mid\ud800dle', 'swapped \udc00\ud800', 'nul \u0000 byte'];

const hostileValues: unknown[] = [null, true, 0, -1, 1e308, 3.5, [], {}, ['a'], { $gt: '' }, ...hostileStrings.slice(0, 8), ...unstorable.slice(0, 2)];

/** Dates outside 2000–2199 or not ISO: year 0000 made Postgres fail and a workflow retry forever. */
const badDates = ['0000-01-01', '0001-01-01', '1969-12-31', '1999-12-31', '2200-01-01', '9999-12-31', '+002026-01-01', '-000001-01-01', '2026-02-30', '20260-01-01'];
const badDateTimes = [...badDates.map((d) => `${d}T00:00:00Z`), '0000-01-01T00:00:00+00:00', '2026-01-01T00:00:00', '2026-01-01 00:00:00Z'];

const badIds = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  'handoff-',
  `handoff-${'a'.repeat(300)}`,
  "handoff-x' OR '1'='1",
  'handoff-%00',
  '%E2%98%83',
  '%E0%A4%A',
  '%ED%A0%80',
  'handoff-%ED%A0%80',
  'handoff-x%20y',
  '<script>',
  'handoff-does-not-exist',
];

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Cursors this API never gave out: each must be a 400 on query.cursor, never reach SQL. */
function badCursors(handoffId: string): string[] {
  const at = '2026-01-01T00:00:00.000000Z';
  return [
    '%%%', 'bm9wZQ', '%00', 'abc%00def', b64('["2025-02-29T00:00:00.000000Z","x"]'), b64([1, 2]),
    b64(['0000-01-01T00:00:00.000000Z', handoffId]),
    b64(['0001-01-01T00:00:00.000000Z', handoffId]),
    b64(['1999-12-31T23:59:59.999999Z', handoffId]),
    b64(['9999-12-31T23:59:59.999999Z', handoffId]),
    b64(['+10000-01-01T00:00:00.000000Z', handoffId]),
    b64(['2026-01-01T00:00:00Z', handoffId]),
    b64(['2026-01-01T00:00:00.000000+01:00', handoffId]),
    b64([at, 'handoff-x\u0000y']),
    b64([at, '\u0000']),
    b64('["2026-01-01T00:00:00.000000Z","handoff-\\ud800"]'),
    b64([at, "handoff-x' OR '1'='1"]),
    b64([at, '']),
    b64([at, 42]),
    b64([at, handoffId, 'extra']),
    b64([at]),
    b64([null, null]),
    b64({ at, id: handoffId }),
    b64('"just a string"'),
    b64('[\u0000]'),
    Buffer.from([0, 0, 0, 0xff, 0xfe]).toString('base64url'),
    b64('['.repeat(100)),
    'A'.repeat(201),
  ];
}

const badQueries = [
  'limit=-1', 'limit=0', 'limit=101', 'limit=abc', 'limit=1e3', 'limit=1&limit=2', 'limit[]=1', 'offset=-5', 'offset=99999999999',
  'cursor=abc&offset=3', 'stage=nope', 'stage=', 'owner=', `owner=${'o'.repeat(500)}`, 'owner=%00', 'owner=%ED%A0%80',
  'customer=%25', "customer=' OR 1=1 --", 'customer=%00', 'customer=%E2%98%83', 'customer=%ED%A0%80', 'unknown=1', 'a[b]=c', '__proto__[x]=1',
];

/** Queries any GET might meet; routes without a query schema must shrug them off. */
const genericQueries = ['x=%00', 'x=%ED%A0%80', 'a[b]=c', '__proto__[x]=1', `x=${'q'.repeat(5000)}`, 'limit=-1', 'cursor=%00', 'from=0000-01-01', 'format=md'];

function bodyVariants(valid: Record<string, unknown>): Array<{ body: unknown; why: string; refuse?: Probe['refuse'] }> {
  const out: Array<{ body: unknown; why: string; refuse?: Probe['refuse'] }> = [
    { body: null, why: 'null body' },
    { body: [], why: 'array body' },
    { body: 42, why: 'number body' },
    { body: 'string', why: 'string body' },
    { body: { ...valid, unexpectedField: 1 }, why: 'unknown field' },
    { body: JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}'), why: 'prototype pollution' },
    { body: nest(200), why: 'deep nesting', refuse: { status: 400, path: /^a(\.a)*$/ } },
    { body: { ...valid, ['\ud800']: 'x' }, why: 'lone surrogate field name', refuse: { status: 400, path: '\ufffd' } },
    { body: { ...valid, ['k\u0000']: 'x' }, why: 'NUL field name', refuse: { status: 400, path: 'k\ufffd' } },
  ];
  for (const key of Object.keys(valid)) {
    for (const value of hostileValues) {
      const refuse = typeof value === 'string' && unstorable.includes(value) ? { status: 400 as const, path: key } : undefined;
      out.push({ body: { ...valid, [key]: value }, why: `${key}=${JSON.stringify(value)?.slice(0, 30)}`, refuse });
    }
  }
  return out;
}

function nest(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Every string in a JSON value, with its path. */
function stringLeaves(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  return [];
}

function withLeaf<T>(value: T, path: Array<string | number>, leaf: unknown): T {
  const copy = structuredClone(value) as any;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key];
  at[path[path.length - 1]] = leaf;
  return copy;
}

let h: Harness;
let handoffId: string;
let itemId: string;
beforeAll(async () => {
  h = await startApiHarness({ MAX_BODY_BYTES });
  const started = await handoffInReview(h, 'hostile');
  handoffId = started.handoffId;
  itemId = started.state.reviewItems[0].id;
});
afterAll(async () => {
  await h?.close();
});

/** A route's path with its params filled in from the handoff under attack. */
const concrete = (path: string) => path.replace(':id', handoffId).replace(':itemId', itemId).replace(':qid', 'q1').replace(/:[A-Za-z0-9_]+/g, 'x');

/** A valid body per POST route (none is ever sent unchanged): leaves and dates are swapped for bad ones. */
function validBodies(): Record<string, Record<string, unknown>> {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'hostile-leaf') as unknown as Record<string, unknown>;
  return {
    '/handoffs': bundle,
    '/handoffs/:id/evidence': {
      documents: [{ id: 'leaf-doc', kind: 'email', title: 'A note', capturedAt: '2026-01-05T10:00:00Z', text: 'The customer asked for SSO.' }],
      kickoffTarget: '2026-12-01',
      systemOfRecord: { system: 'salesforce', recordId: 'R-1' },
      requestId: 'leaf-evidence',
    },
    '/handoffs/:id/review-items/:itemId/decision': { decision: 'approved', comment: 'fine', packetVersion: 1, requestId: 'leaf-decision' },
    '/handoffs/:id/questions/:qid/answer': { answer: 'yes', requestId: 'leaf-answer' },
    '/handoffs/:id/changes': { comment: 'redo', packetVersion: 1, requestId: 'leaf-changes' },
    '/handoffs/:id/signoff': { role: 'implementation', packetVersion: 1, packetHash: `sha256:${'0'.repeat(64)}`, comment: 'ok', requestId: 'leaf-signoff' },
    '/handoffs/:id/return': { reason: 'context missing', requestId: 'leaf-return' },
    '/handoffs/:id/cancel': { reason: 'no longer needed', requestId: 'leaf-cancel' },
    '/handoffs/:id/milestone': { status: 'on_track', note: 'going well', criteriaMet: ['Data access', 'SSO'], requestId: 'leaf-milestone' },
  };
}

/** Where each POST body holds a date, and whether it is a date or a date-time. */
const dateFields: Record<string, Array<{ path: Array<string | number>; kind: 'date' | 'datetime' }>> = {
  '/handoffs': [
    { path: ['kickoffTarget'], kind: 'date' },
    { path: ['closedAt'], kind: 'datetime' },
    { path: ['documents', 0, 'capturedAt'], kind: 'datetime' },
  ],
  '/handoffs/:id/evidence': [
    { path: ['kickoffTarget'], kind: 'date' },
    { path: ['documents', 0, 'capturedAt'], kind: 'datetime' },
  ],
};

function probes(): Probe[] {
  const admin = h.tokens.admin;
  const list: Probe[] = [];
  const valid = validBodies();

  // The original per-route lists: odd values per field, bad JSON, media types, sizes, keys.
  const bundle = withDealId(loadSharedFixture('worked-example'), 'hostile-body') as unknown as Record<string, unknown>;
  const posts: Array<{ path: string; valid: Record<string, unknown> }> = [
    { path: '/handoffs', valid: { ...bundle, dealId: 'bad id with spaces' } },
    { path: `/handoffs/${handoffId}/evidence`, valid: { documents: [{ id: 'x', kind: 'email', capturedAt: 'yesterday', text: 't' }] } },
    { path: `/handoffs/${handoffId}/review-items/${itemId}/decision`, valid: { decision: 'approved', packetVersion: 99 } },
    { path: `/handoffs/${handoffId}/questions/q1/answer`, valid: { answer: 'a', requestId: 'r' } },
    { path: `/handoffs/${handoffId}/changes`, valid: { comment: 'c', packetVersion: 99 } },
    { path: `/handoffs/${handoffId}/signoff`, valid: { role: 'implementation', packetVersion: 99, packetHash: 'sha256:00' } },
    { path: `/handoffs/${handoffId}/return`, valid: { reason: 'r', requestId: 'x'.repeat(300) } },
    { path: `/handoffs/${handoffId}/cancel`, valid: { reason: '' } },
    { path: `/handoffs/${handoffId}/milestone`, valid: { status: 'sideways', criteriaMet: 'all' } },
  ];
  for (const { path, valid: base } of posts) {
    for (const v of bodyVariants(base)) list.push({ method: 'POST', path, token: admin, body: v.body, why: v.why, refuse: v.refuse });
    for (const raw of ['{', '{"a":', 'nul', '{"a":1}}', '\u0000', '\ufeff{}']) list.push({ method: 'POST', path, token: admin, body: raw, why: `bad JSON ${JSON.stringify(raw)}` });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin-9']) {
      list.push({ method: 'POST', path, token: admin, body: '{"reason":"x"}', headers: { 'content-type': type }, why: `content-type ${type}` });
    }
    list.push({ method: 'POST', path, token: admin, body: { pad: 'x'.repeat(MAX_BODY_BYTES + 10) }, why: 'oversize body' });
    list.push({ method: 'POST', path, token: admin, body: base, headers: { 'idempotency-key': 'has spaces in it' }, why: 'bad idempotency key' });
    list.push({ method: 'POST', path, token: admin, body: base, headers: { 'idempotency-key': 'k'.repeat(1000) }, why: 'long idempotency key' });
  }

  // Every route of the table, so a route added later is attacked too.
  let keyCounter = 0;
  const key = () => ({ 'idempotency-key': `hostile-${Date.now()}-${keyCounter++}` });
  for (const route of apiRoutes) {
    const path = concrete(route.path);
    const method = route.method.toUpperCase();
    if (method === 'GET') {
      for (const q of genericQueries) {
        list.push({ method, path: `${path}?${q}`, token: admin, why: `${route.path} ?${q.slice(0, 30)}` });
        list.push({ method, path: `${path}?${q}`, token: h.tokens['u-outsider'], why: `${route.path} as outsider ?${q.slice(0, 30)}` });
      }
      continue;
    }
    if (route.bodyType === 'form') {
      // The sign-in form takes a form, never JSON (415), and only a well-formed one-time token (else 400 naming `token`).
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      list.push({ method, path, body: nest(50), why: 'JSON to the sign-in form' });
      list.push({ method, path, body: '', headers: form, why: 'empty sign-in form' });
      list.push({ method, path, body: `token=${'x'.repeat(10_000)}`, headers: form, why: 'oversize sign-in form' });
      for (const text of hostileStrings) {
        let encoded = text; // a lone surrogate cannot be percent-encoded: sent raw
        try {
          encoded = encodeURIComponent(text);
        } catch {}
        list.push({ method, path, body: `token=${encoded}`, headers: form, why: `sign-in token ${JSON.stringify(text.slice(0, 20))}` });
      }
      for (const raw of ['token=%00', 'token=%ED%A0%80', 'token=hlk_short', `token=hlk_${'a'.repeat(44)}`, 'token[a]=1', 'token=a&token=b', `token=hlk_${'a'.repeat(43)}`]) {
        list.push({ method, path, body: raw, headers: form, why: `sign-in ${raw.slice(0, 30)}`, refuse: { status: 400, path: 'token' } });
      }
      continue;
    }
    const base = valid[route.path] ?? {};
    // Deep nesting, with and without an Idempotency-Key (with one, hashing it used to overflow the stack).
    for (const depth of [17, 200, 1000]) {
      for (const headers of [{}, key()]) {
        list.push({ method, path, token: admin, body: nest(depth), headers, why: `nest ${depth} ${Object.keys(headers).length ? 'keyed' : ''}`, refuse: { status: 400, path: /^a(\.a)*$/ } });
      }
    }
    for (const headers of [{}, key()]) {
      // Raw text, since JSON.stringify recurses: arrays 30,000 deep, objects 9,000 deep.
      list.push({ method, path, token: admin, body: `${'['.repeat(30_000)}${']'.repeat(30_000)}`, headers, why: 'raw arrays 30000 deep', refuse: { status: 400, path: /^0(\.0)*$/ } });
      list.push({ method, path, token: admin, body: `${'{"a":'.repeat(9_000)}1${'}'.repeat(9_000)}`, headers, why: 'raw objects 9000 deep', refuse: { status: 400, path: /^a(\.a)*$/ } });
      list.push({ method, path, token: admin, body: { ...base, deep: nest(50) }, headers, why: 'deep field', refuse: { status: 400, path: /^deep(\.a)*$/ } });
    }
    list.push({ method, path, token: admin, body: '"\\ud800"', why: 'root string lone surrogate', refuse: { status: 400, path: '' } });
    list.push({ method, path, token: admin, body: '{"a":"\\ud800"}', why: 'raw escaped lone surrogate', refuse: { status: 400, path: 'a' } });
    list.push({ method, path, token: admin, body: '{"a":"\\u0000"}', why: 'raw escaped NUL', refuse: { status: 400, path: 'a' } });
    list.push({ method, path, token: h.tokens['u-outsider'], body: { ...base, x: '\ud800' }, why: 'outsider lone surrogate' });
    list.push({ method, path, body: { ...base, x: '\ud800' }, why: 'no token lone surrogate' });
    // Every string field, one at a time, holding text Postgres cannot store: 400 naming that field.
    stringLeaves(base).forEach((leaf, i) => {
      for (const [j, bad] of unstorable.entries()) {
        const headers = (i + j) % 2 ? key() : {};
        list.push({ method, path, token: admin, body: withLeaf(base, leaf, bad), headers, why: `${leaf.join('.')}=${JSON.stringify(bad)}`, refuse: { status: 400, path: leaf.join('.') } });
      }
    });
    // Dates out of range or shape: 400 naming the field.
    for (const field of dateFields[route.path] ?? []) {
      for (const bad of field.kind === 'date' ? badDates : badDateTimes) {
        for (const headers of [{}, key()]) {
          list.push({ method, path, token: admin, body: withLeaf(base, field.path, bad), headers, why: `${field.path.join('.')}=${bad}`, refuse: { status: 400, path: field.path.join('.') } });
        }
      }
    }
  }

  const idRoutes = ['', '/packet', '/history'];
  for (const id of badIds) {
    for (const suffix of idRoutes) list.push({ method: 'GET', path: `/handoffs/${id}${suffix}`, token: admin, why: `bad id ${id}` });
    list.push({ method: 'POST', path: `/handoffs/${id}/cancel`, token: admin, body: { reason: 'x' }, why: `cancel bad id ${id}` });
    list.push({ method: 'POST', path: `/handoffs/${id}/milestone`, token: admin, body: { status: 'met' }, why: `milestone bad id ${id}` });
    list.push({ method: 'POST', path: `/handoffs/${handoffId}/review-items/${id}/decision`, token: admin, body: { decision: 'approved', packetVersion: 1 }, why: `bad item ${id}` });
    list.push({ method: 'POST', path: `/handoffs/${handoffId}/questions/${id}/answer`, token: admin, body: { answer: 'x' }, why: `bad question ${id}` });
  }
  for (const q of badQueries) {
    list.push({ method: 'GET', path: `/handoffs?${q}`, token: admin, why: `list ${q}` });
    list.push({ method: 'GET', path: `/handoffs?${q}`, token: h.tokens['u-ben'], why: `list as sales ${q}` });
  }
  for (const cursor of badCursors(handoffId)) {
    for (const token of [admin, h.tokens['u-ben'], h.tokens['u-outsider']]) {
      for (const extra of ['', '&limit=5', '&stage=in_review']) {
        list.push({ method: 'GET', path: `/handoffs?cursor=${cursor}${extra}`, token, why: `cursor ${cursor.slice(0, 30)}`, refuse: { status: 400, path: 'query.cursor' } });
      }
    }
  }
  for (const q of ['version=0', 'version=-1', 'version=abc', 'version=99999', 'format=pdf', 'format=md&format=json', 'version=1&x=1', 'version=%00', 'format=%ED%A0%80']) {
    list.push({ method: 'GET', path: `/handoffs/${handoffId}/packet?${q}`, token: admin, why: `packet ${q}` });
  }
  for (const q of ['limit=0', 'limit=x', 'limit=5000', 'limit=5', 'limit=%00']) list.push({ method: 'GET', path: `/handoffs/${handoffId}/history?${q}`, token: admin, why: `history ${q}` });
  for (const q of ['from=2025-02-30', 'from=2025-02-29', 'from=yesterday', 'to=2026-13-01', 'from=2026-02-01&to=2026-01-01', 'groupBy=day', 'groupBy=owner&groupBy=month', 'from=%00', 'groupBy=month&from=2026-01-01&to=2027-01-01']) {
    list.push({ method: 'GET', path: `/metrics/handoffs?${q}`, token: admin, why: `metrics ${q}` });
  }
  for (const bad of [...badDates, '0000-00-00', '2026-01-01%00', '%ED%A0%80']) {
    for (const field of ['from', 'to']) {
      for (const groupBy of ['', '&groupBy=owner', '&groupBy=month']) {
        list.push({ method: 'GET', path: `/metrics/handoffs?${field}=${bad}${groupBy}`, token: admin, why: `metrics ${field}=${bad}`, refuse: { status: 400, path: `query.${field}` } });
      }
    }
  }
  for (const auth of ['Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', `Bearer ${'t'.repeat(5000)}`, "Bearer ' OR 1=1 --", 'Bearer a b', 'bearer\u00e9', `Bearer ${h.tokens.admin} extra`]) {
    list.push({ method: 'GET', path: '/inbox', headers: { authorization: auth }, why: `authorization ${auth.slice(0, 20)}` });
  }
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    for (const path of ['/handoffs', `/handoffs/${handoffId}`, '/inbox', '/openapi.json']) list.push({ method, path, token: admin, why: `${method} ${path}` });
  }
  for (const path of ['/', '/handoffs/', '//handoffs', '/handoffs/..', '/%2e%2e/%2e%2e/etc/passwd', '/inbox/x', '/metrics/other', `/${'a'.repeat(5000)}`, '/%ED%A0%80', '/handoffs/%00']) {
    list.push({ method: 'GET', path, token: admin, why: `odd path ${path.slice(0, 30)}` });
  }
  list.push({ method: 'GET', path: '/inbox', token: admin, headers: { 'x-request-id': 'x'.repeat(5000) }, why: 'huge request id' });
  return list;
}

/** Which route of the table a probe hits, if any (as express matches it). */
function routeOf(probe: Probe): string | undefined {
  const path = probe.path.split('?')[0];
  return apiRoutes.find((r) => r.method.toUpperCase() === probe.method && new RegExp(`^${r.path.replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`).test(path))?.path;
}

test('hostile and malformed requests never get a 5xx; every 400 names field paths', async () => {
  const list = probes();
  expect(list.length).toBeGreaterThanOrEqual(MIN_REQUESTS);
  expect(list.length).toBeLessThanOrEqual(MAX_REQUESTS);
  // Every route of the table is probed, many times over.
  const perRoute = new Map<string, number>();
  for (const probe of list) {
    const route = routeOf(probe);
    if (route) perRoute.set(`${probe.method} ${route}`, (perRoute.get(`${probe.method} ${route}`) ?? 0) + 1);
  }
  const thin = apiRoutes.filter((r) => (perRoute.get(`${r.method.toUpperCase()} ${r.path}`) ?? 0) < 15).map((r) => r.path);
  expect(thin).toEqual([]);

  const deadline = Date.now() + 240_000;
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let refusals = 0;
  let retried503 = 0;
  const run = async (probe: Probe) => {
    const label = `${probe.method} ${probe.path.slice(0, 80)} (${probe.why})`;
    if (Date.now() > deadline) throw new Error('hostile probes ran out of time');
    const headers: Record<string, string> = { ...(probe.headers ?? {}) };
    if (probe.token) headers.authorization = `Bearer ${probe.token}`;
    let body: string | undefined;
    if (probe.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof probe.body === 'string' ? probe.body : JSON.stringify(probe.body);
    }
    let status: number;
    let contentType = '';
    let text = '';
    try {
      // A 503 says "the workflow did not answer in time, retry" (this machine is shared and busy);
      // a client retries it, and so does the probe, a few times. Any other 5xx fails at once.
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(`${h.api.url}${probe.path}`, { method: probe.method, headers, body, signal: AbortSignal.timeout(60_000) });
        status = res.status;
        contentType = res.headers.get('content-type') ?? '';
        text = await res.text();
        if (status !== 503 || attempt === 4) break;
        retried503++;
        await new Promise((r) => setTimeout(r, 1000));
      }
    } catch (err) {
      failures.push(`${label}: request failed ${String(err)}`);
      return;
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status >= 500) failures.push(`${label}: ${status} ${text.slice(0, 200)}`);
    if (status >= 400 && !contentType.includes('application/problem+json')) failures.push(`${label}: ${status} as ${contentType}`);
    let problem: any;
    if (status === 400) {
      problem = JSON.parse(text);
      const errors = problem.errors;
      const wellFormed = Array.isArray(errors) && errors.length > 0 && errors.every((e: any) => typeof e.path === 'string' && typeof e.message === 'string');
      if (!wellFormed) failures.push(`${label}: 400 without field paths ${text.slice(0, 200)}`);
    }
    // Probes that must be refused (all sent with a valid token; the checks run before any access rule).
    if (probe.refuse) {
      refusals++;
      const want = probe.refuse.path;
      const named = status === 400 && problem.errors?.some((e: any) => (typeof want === 'string' ? e.path === want : want.test(e.path)));
      if (!named) failures.push(`${label}: wanted 400 naming ${String(want)}, got ${status} ${text.slice(0, 200)}`);
    }
  };
  const queue = [...list];
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let probe = queue.shift(); probe; probe = queue.shift()) await run(probe);
  }));
  expect(failures.slice(0, 40)).toEqual([]);
  // The probes exercise the refusals they mean to, not just one of them.
  for (const status of [400, 401, 403, 404, 405, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
  expect(refusals).toBeGreaterThan(1000);
  console.log(`hostile probes: ${list.length} (${refusals} must-refuse, ${retried503} retries after 503); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
}, 300_000);

test('cursors the API gives out still page (the stricter cursor check refuses none of them)', async () => {
  // Two projection rows of their own, so a one-row page has a next cursor.
  const ids = ['handoff-cursor-page-a', 'handoff-cursor-page-b'];
  for (const id of ids) {
    await h.pool.query(
      `INSERT INTO handoffs (handoff_id, deal_id, customer_name, stage, bundle_hash) VALUES ($1, $1, 'Cursor Co', 'completed', 'x') ON CONFLICT DO NOTHING`,
      [id],
    );
  }
  try {
    const first = await h.request('GET', '/handoffs?customer=Cursor%20Co&limit=1', { token: h.tokens.admin });
    expect(first.status).toBe(200);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await h.request('GET', `/handoffs?customer=Cursor%20Co&limit=1&cursor=${first.body.nextCursor}`, { token: h.tokens.admin });
    expect(second.status).toBe(200);
    expect([...first.body.items, ...second.body.items].map((i: any) => i.handoffId).sort()).toEqual(ids);
    expect(second.body.nextCursor).toBeNull();
  } finally {
    await h.pool.query('DELETE FROM handoffs WHERE handoff_id = ANY($1)', [ids]);
  }
});

test('hostile strings in valid requests are kept as data', async () => {
  // Some cancel probes were valid (an injection string is a fine reason): the first one won, verbatim.
  const res = await h.request('GET', `/handoffs/${handoffId}`, { token: h.tokens.admin });
  expect(res.status).toBe(200);
  expect(res.body.stage).toBe('cancelled');
  expect(hostileStrings.map((s) => s.trim())).toContain(res.body.cancelled.reason);
  const rows = await h.pool.query('SELECT count(*)::int AS n FROM handoffs');
  expect(rows.rows[0].n).toBeGreaterThan(0);
});
