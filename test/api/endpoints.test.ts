import { execFile } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino from 'pino';
import { Pool } from 'pg';
import { startApi } from '../../src/api/server';
import { createApp } from '../../src/api/app';
import { loadBundle } from '../../src/db/bundles';
import { tokensCommand } from '../../src/cli/tokens';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import type { Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// What each endpoint answers, on the real services: lists and paging, packets, evidence and
// change requests (stored as bundles), history, inbox, measurement summary, readiness, metrics, logs.

const execFileAsync = promisify(execFile);

let h: Harness;
let main: { handoffId: string; state: any };
beforeAll(async () => {
  h = await startApiHarness({ MAX_BODY_BYTES: 256 * 1024 });
  main = await handoffInReview(h, 'endpoints');
});
afterAll(async () => {
  await h?.close();
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const get = (path: string, token = h.tokens.admin) => h.request('GET', path, { token });
const post = (path: string, token: string, body: unknown) => h.request('POST', path, { token, body });

describe('GET /handoffs', () => {
  test('filters by stage, owner and customer; others see only their own handoffs', async () => {
    // The projection is written by an activity just after the stage changes: wait for it.
    await waitFor(async () => (await h.pool.query("SELECT 1 FROM handoffs WHERE handoff_id = $1 AND stage = 'in_review'", [main.handoffId])).rowCount === 1);
    const mine = await get(`/handoffs?stage=in_review&owner=u-chen&customer=NORTHWIND`);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((i: any) => i.handoffId)).toContain(main.handoffId);
    const row = mine.body.items.find((i: any) => i.handoffId === main.handoffId);
    expect(row).toMatchObject({ stage: 'in_review', owners: { handoffOwner: 'u-ana', sales: 'u-ben', implementation: 'u-chen' }, kickoffTarget: '2026-12-03', packetVersion: 1 });
    expect((await get('/handoffs?customer=%25')).body.items).toEqual([]);
    expect((await get('/handoffs?owner=u-nobody')).body.items).toEqual([]);
    // Other test files share the table (u-dev sells some of their deals): u-dev sees only those, never this one.
    const devs = (await get('/handoffs', h.tokens['u-dev'])).body.items;
    expect(devs.map((i: any) => i.handoffId)).not.toContain(main.handoffId);
    expect(devs.every((i: any) => Object.values(i.owners).includes('u-dev'))).toBe(true);
    expect((await get('/handoffs', h.tokens['u-ben'])).body.items.every((i: any) => i.owners.sales === 'u-ben')).toBe(true);
  });

  test('pages with a cursor or an offset, without repeats', async () => {
    // Handoffs of a customer of their own: other test files' handoffs share the table.
    const customer = `Paging Co ${Date.now().toString(36)}`;
    for (let i = 0; i < 5; i++) {
      const bundle = withDealId({ ...loadSharedFixture('worked-example'), customer: { name: customer } }, `page${i}`);
      expect((await post('/handoffs', h.tokens['u-ben'], bundle)).status).toBe(201);
    }
    // Starts write the projection asynchronously (first stage change).
    let all: any;
    await waitFor(async () => {
      all = await get(`/handoffs?limit=100&customer=${encodeURIComponent(customer)}`);
      return all.body.items.length === 5;
    });
    const total = all.body.items.length;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await get(`/handoffs?limit=2&customer=${encodeURIComponent(customer)}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((i: any) => i.handoffId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((i: any) => i.handoffId));
    expect(new Set(seen).size).toBe(total);
    const offset = await get(`/handoffs?limit=2&offset=2&customer=${encodeURIComponent(customer)}`);
    expect(offset.body.items.map((i: any) => i.handoffId)).toEqual(seen.slice(2, 4));
    expect((await get('/handoffs?limit=2&offset=2&cursor=abc')).status).toBe(400);
  });
});

describe('GET /handoffs/:id and /packet', () => {
  test('404 for an unknown handoff, as problem+json', async () => {
    const res = await get('/handoffs/handoff-nope-never');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  test('the packet as JSON (latest or a version) and as Markdown', async () => {
    const latest = await get(`/handoffs/${main.handoffId}/packet`);
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ handoffId: main.handoffId, version: 1, hash: main.state.packet.hash });
    expect((await get(`/handoffs/${main.handoffId}/packet?version=1`)).body.hash).toBe(main.state.packet.hash);
    expect((await get(`/handoffs/${main.handoffId}/packet?version=9`)).status).toBe(404);
    const md = await get(`/handoffs/${main.handoffId}/packet?format=md`);
    expect(md.headers.get('content-type')).toMatch(/text\/markdown/);
    expect(md.body).toMatch(/^# Handoff packet/);
  });

  test('history: counts, compact events, the Temporal UI link', async () => {
    const res = await get(`/handoffs/${main.handoffId}/history?limit=5`);
    expect(res.status).toBe(200);
    expect(res.body.events).toBeGreaterThan(res.body.list.length);
    expect(res.body.bytes).toBeGreaterThan(0);
    expect(res.body.list).toHaveLength(5);
    expect(res.body.truncated).toBe(true);
    expect(res.body.list.every((e: any) => !e.type.startsWith('WorkflowTask'))).toBe(true);
    expect(res.body.links.temporalUi).toContain(`/workflows/${main.handoffId}`);
    const full = await get(`/handoffs/${main.handoffId}/history`);
    expect(full.body.list[0]).toMatchObject({ eventId: '1', type: 'WorkflowExecutionStarted', detail: 'implementationHandoff' });
  });
});

describe('evidence and change requests', () => {
  test('evidence is redacted, merged into a new bundle, and its hash sent to the workflow', async () => {
    const { handoffId, state } = await handoffInReview(h, 'evidence');
    const res = await post(`/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], {
      documents: [{ id: 'followup', kind: 'email', capturedAt: '2026-11-19T10:00:00Z', text: 'Login for the sandbox, password: Tr0ub4dor&3 (rotate it)' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.bundleHash).not.toBe(state.bundleHash);
    const bundle = await loadBundle(h.pool, res.body.bundleHash);
    const followup = bundle.documents.find((d) => d.id === 'followup')!;
    expect(followup.text).not.toContain('Tr0ub4dor');
    expect(followup.text).toContain('[REDACTED:');
    expect(bundle.documents.length).toBe(5);
    const again = await post(`/handoffs/${handoffId}/evidence`, h.tokens['u-ana'], {
      documents: [{ id: 'followup', kind: 'email', capturedAt: '2026-11-19T10:00:00Z', text: 'again' }],
    });
    expect(again.status).toBe(409);
  });

  test('a change request is stored as a review-comment document in a new bundle', async () => {
    const { handoffId, state } = await handoffInReview(h, 'changes');
    const res = await post(`/handoffs/${handoffId}/changes`, h.tokens['u-chen'], { comment: 'The SSO item is not in the order form.', packetVersion: 1 });
    expect(res.status).toBe(200);
    const bundle = await loadBundle(h.pool, res.body.bundleHash);
    expect(res.body.bundleHash).not.toBe(state.bundleHash);
    const comment = bundle.documents.find((d) => d.id === 'review-comment-1')!;
    expect(comment).toMatchObject({ kind: 'other', title: 'Review comment by u-chen', text: 'The SSO item is not in the order form.' });
  });

  test('a finished handoff refuses actions with 409', async () => {
    const { handoffId } = await handoffInReview(h, 'finished');
    expect((await post(`/handoffs/${handoffId}/cancel`, h.tokens.admin, { reason: 'duplicate deal' })).status).toBe(200);
    await h.client.workflow.getHandle(handoffId).result();
    const again = await post(`/handoffs/${handoffId}/cancel`, h.tokens.admin, { reason: 'again' });
    expect(again.status).toBe(409);
  });

  test('an oversize body is a 413 problem', async () => {
    const res = await post(`/handoffs/${main.handoffId}/evidence`, h.tokens['u-ana'], { documents: [{ text: 'x'.repeat(300 * 1024) }] });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});

describe('GET /inbox', () => {
  /** Every page of a person's inbox: other test files leave older, more overdue items before ours. */
  async function wholeInbox(token: string): Promise<{ status: number; body: { items: any[] } }> {
    const items: any[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await get(`/inbox?limit=200${cursor ? `&cursor=${cursor}` : ''}`, token);
      if (page.status !== 200) return page;
      items.push(...page.body.items);
      cursor = page.body.nextCursor ?? undefined;
      if (!cursor) return { status: 200, body: { items } };
    }
  }

  test('lists the items routed to the caller with reminder and escalation times; deciding clears them', async () => {
    const { handoffId, state } = await handoffInReview(h, 'inbox');
    const inbox = await wholeInbox(h.tokens['u-chen']);
    expect(inbox.status).toBe(200);
    const mine = inbox.body.items.filter((i: any) => i.handoffId === handoffId);
    expect(mine.length).toBe(state.reviewItems.length);
    expect(mine[0]).toMatchObject({ kind: 'review_item', packetVersion: 1, overdue: false });
    expect(mine[0].remindAt).toEqual(expect.any(String));
    expect(mine[0].escalateAt).toEqual(expect.any(String));
    expect(mine[0].action).toBe(`/handoffs/${handoffId}/review-items/${mine[0].id}/decision`);
    expect((await wholeInbox(h.tokens['u-ben'])).body.items.filter((i: any) => i.handoffId === handoffId && i.kind === 'review_item')).toEqual([]);
    await post(`/handoffs/${handoffId}/review-items/${mine[0].id}/decision`, h.tokens['u-chen'], { decision: 'approved', packetVersion: 1 });
    const after = await wholeInbox(h.tokens['u-chen']);
    expect(after.body.items.filter((i: any) => i.handoffId === handoffId).map((i: any) => i.id)).not.toContain(mine[0].id);
  });

  test('lists the blocking question of an unowned dependency for the handoff owner, with its follow-up times; answering clears it', async () => {
    const { handoffId, state } = await handoffInReview(h, 'inbox-question');
    const asked = state.openQuestions.find((q: any) => q.blocking);
    expect(asked).toMatchObject({ id: 'q1', askOf: 'handoff_owner', askedOf: 'u-ana' });
    const mine = (await wholeInbox(h.tokens['u-ana'])).body.items.filter((i: any) => i.handoffId === handoffId);
    expect(mine).toEqual([expect.objectContaining({
      kind: 'question', id: 'q1', blocking: true, overdue: false, summary: asked.question,
      remindAt: asked.remindAt, escalateAt: asked.escalateAt, dueAt: new Date(asked.remindAt).toISOString(),
      action: `/handoffs/${handoffId}/questions/q1/answer`,
    })]);
    expect(asked.question).toContain('Epic and Kronos');
    // Nobody else is asked: the reviewer's inbox holds the review items only.
    expect((await wholeInbox(h.tokens['u-chen'])).body.items.filter((i: any) => i.handoffId === handoffId && i.kind === 'question')).toEqual([]);
    const answered = await post(`/handoffs/${handoffId}/questions/q1/answer`, h.tokens['u-ana'], { answer: 'Northwind (Eli Park) pulls the exports.' });
    expect(answered.status).toBe(200);
    expect((await wholeInbox(h.tokens['u-ana'])).body.items.filter((i: any) => i.handoffId === handoffId)).toEqual([]);
  });
});

describe('GET /metrics/handoffs', () => {
  test('acceptance rate against the pilot threshold, per owner and per month', async () => {
    const events = [
      // 2001: nine accepted (owner a), one returned (owner b) = 90%.
      ...Array.from({ length: 9 }, (_, i) => ['accepted', `m-a${i}`, 'own-a', '2001-01-15', 1]),
      ['missing_context_return', 'm-b0', 'own-b', '2001-02-03', 1],
      ['kickoff_rework', 'm-a0', 'own-a', '2001-01-15', 2],
      ['kickoff_rework', 'm-a1', 'own-a', '2001-01-16', 0],
      ['open_questions_before_kickoff', 'm-a0', 'own-a', '2001-01-15', 3],
      ['first_milestone_readiness', 'm-a0', 'own-a', '2001-02-20', 1],
      ['first_milestone_readiness', 'm-a1', 'own-a', '2001-02-21', 0],
    ] as const;
    for (const [kind, handoff, owner, day, value] of events) {
      await h.pool.query(
        `INSERT INTO measurement_events (key, handoff_id, deal_id, kind, value, owner, at) VALUES ($1,$2,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING`,
        [`${handoff}:${kind}:${day}`, handoff, kind, value, owner, `${day}T12:00:00Z`],
      );
    }
    const all = await get('/metrics/handoffs?from=2001-01-01&to=2002-01-01');
    expect(all.status).toBe(200);
    expect(all.body.pilotThreshold).toBe(0.9);
    expect(all.body.overall).toMatchObject({
      handoffs: 10, accepted: 9, returnedForContext: 1, acceptanceRate: 0.9, meetsPilotThreshold: true,
      rework: { events: 2, total: 2, average: 1 },
      openQuestionsBeforeKickoff: { events: 1, total: 3 },
      milestoneReadiness: { met: 1, notMet: 1, rate: 0.5 },
    });
    const byOwner = await get('/metrics/handoffs?from=2001-01-01&to=2002-01-01&groupBy=owner');
    expect(byOwner.body.groups.map((g: any) => [g.key, g.acceptanceRate, g.meetsPilotThreshold])).toEqual([
      ['own-a', 1, true],
      ['own-b', 0, false],
    ]);
    const byMonth = await get('/metrics/handoffs?from=2001-01-01&to=2002-01-01&groupBy=month');
    expect(byMonth.body.groups.map((g: any) => g.key)).toEqual(['2001-01', '2001-02']);
    expect((await get('/metrics/handoffs?from=2001-02-01&to=2001-01-01')).status).toBe(400);
  });
});

describe('operations', () => {
  test('Prometheus counts requests by route template and status', async () => {
    await get(`/handoffs/${main.handoffId}`);
    const text = (await get('/metrics')).body as string;
    expect(text).toMatch(/handoff_api_http_requests_total\{method="GET",route="\/handoffs\/:id",status="200"\} \d+/);
    expect(text).toContain('handoff_api_http_request_duration_seconds_bucket');
    expect(text).toContain('handoff_api_process_cpu_user_seconds_total');
    expect(text).not.toContain(main.handoffId);
  });

  test('readyz is 200 when Temporal and Postgres answer, 503 when Postgres does not', async () => {
    expect((await h.request('GET', '/readyz')).body).toEqual({ ok: true, checks: { temporal: { ok: true }, postgres: { ok: true }, worker: { ok: true } } });
    const deadPool = new Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
    const api = await startApi({ client: h.client, pool: deadPool, config: h.config });
    try {
      const res = await fetch(`${api.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, checks: { temporal: { ok: true }, postgres: { ok: false } } });
      expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    } finally {
      await api.close();
      await deadPool.end();
    }
  });

  test('logs carry request id, principal and handoff id, never the token or document text', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const app = createApp({ client: h.client, pool: h.pool, config: h.config, logger: pino({ level: 'info' }, sink) });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as any).port}`;
    try {
      const secretText = 'The customer said the budget is exactly 123456 dollars';
      await fetch(`${url}/handoffs/${main.handoffId}/evidence`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens['u-ana']}`, 'content-type': 'application/json', 'x-request-id': 'req-log-1' },
        body: JSON.stringify({ documents: [{ id: 'log-doc', kind: 'email', capturedAt: '2026-11-19T10:00:00Z', text: secretText }] }),
      });
      const line = lines.map((l) => JSON.parse(l)).find((l) => l.req?.id === 'req-log-1');
      expect(line).toMatchObject({ principal: 'u-ana', handoffId: main.handoffId, route: '/handoffs/:id/evidence' });
      const all = lines.join('\n');
      expect(all).not.toContain(h.tokens['u-ana']);
      expect(all).not.toContain('123456');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('handoff tokens create prints a token that the API accepts', async () => {
    // A real process: the command runs migrations (native ESM import), which jest's VM cannot.
    const bin = path.resolve(__dirname, '..', '..', 'bin', 'handoff.js');
    const env = { ...process.env, DATABASE_URL: h.config.DATABASE_URL };
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin, 'tokens', 'create', '--principal', 'u-cli', '--role', 'ops', '--role', 'reviewer', '--name', 'Cli User'], { env, timeout: 30_000 });
    const token = stdout.trim();
    expect(token).toMatch(/^hnd_[A-Za-z0-9_-]+$/);
    expect(stderr).toContain('u-cli');
    expect(stderr).not.toContain(token);
    expect((await get('/metrics/handoffs', token)).status).toBe(200);
    const stored = await h.pool.query("SELECT count(*)::int AS n FROM api_tokens WHERE principal_id = 'u-cli' AND token_hash = $1", [token]);
    expect(stored.rows[0].n).toBe(0);
    // Usage errors exit 2 before touching the database.
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };
    expect(await tokensCommand(['create', '--principal', 'u-cli', '--role', 'wizard'], io, {})).toBe(2);
    expect(await tokensCommand(['create', '--role', 'ops'], io, {})).toBe(2);
    expect(await tokensCommand(['create', '--principal', 'u-cli', '--bogus'], io, {})).toBe(2);
    expect(await tokensCommand(['list'], io, {})).toBe(2);
  });
});
