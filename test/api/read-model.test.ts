import { writeProgress, type PendingItem } from '../../src/db/read-model';
import { decideReviewItemUpdate } from '../../src/workflows/definitions';
import { createToken } from '../../src/db/tokens';
import { OWNER_ANSWER } from '../support/answers';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import type { Harness } from '../support/harness';
import { progressFixture } from '../db/progress-fixture';
import { handoffInReview, startApiHarness } from './support';

// The API answers from the read model: with the worker stopped (so any workflow query would hang
// and fail), reads, authorization, the inbox and lists still answer from rows the workflow wrote.
// And an action's answer, and a read right after it, show the action (read-your-writes).

let h: Harness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

const get = (path: string, token: string) => h.request('GET', path, { token });
const post = (path: string, token: string, body: unknown) => h.request('POST', path, { token, body });

describe('with a worker: actions answer what they did', () => {
  test('a decision answers the state that holds it, and the next read shows it; the completed handoff reads without a worker', async () => {
    const { handoffId, state } = await handoffInReview(h, 'ryw');
    const chen = h.tokens['u-chen'];
    for (const item of state.reviewItems) {
      const decided = await post(`/handoffs/${handoffId}/review-items/${item.id}/decision`, h.tokens[item.routeTo] ?? chen, { decision: 'rejected', comment: 'not sold', packetVersion: 1 });
      expect(decided.status).toBe(200);
      expect(decided.body.reviewItems.find((i: any) => i.id === item.id).decision).toMatchObject({ decision: 'rejected', by: item.routeTo });
      // Read-your-writes: the very next read (the read model) shows the decision too.
      const read = await get(`/handoffs/${handoffId}`, chen);
      expect(read.body.reviewItems.find((i: any) => i.id === item.id).decision).toMatchObject({ decision: 'rejected' });
      const inbox = await get('/inbox?limit=200', h.tokens[item.routeTo] ?? chen);
      expect(inbox.body.items.filter((i: any) => i.handoffId === handoffId).map((i: any) => i.id)).not.toContain(item.id);
    }
    // The handoff owner's answer (who owns the data extraction) is read back and leaves their inbox the same way.
    const question = state.openQuestions.find((q: any) => q.blocking);
    expect(question).toMatchObject({ id: 'q1', askedOf: 'u-ana' });
    const answered = await post(`/handoffs/${handoffId}/questions/${question.id}/answer`, h.tokens['u-ana'], { answer: OWNER_ANSWER });
    expect(answered.status).toBe(200);
    expect(answered.body.openQuestions.find((q: any) => q.id === question.id).answer).toMatchObject({ by: 'u-ana', text: OWNER_ANSWER });
    expect((await get('/inbox?limit=200', h.tokens['u-ana'])).body.items.filter((i: any) => i.handoffId === handoffId && i.kind === 'question')).toEqual([]);
    // The row the answer came from is the workflow's write, with its revision.
    const { rows: [row] } = await h.pool.query('SELECT revision, state->>\'stage\' AS stage FROM handoffs WHERE handoff_id = $1', [handoffId]);
    expect(Number(row.revision)).toBeGreaterThan(0);

    const awaiting = await get(`/handoffs/${handoffId}`, chen);
    expect(awaiting.body.stage).toBe('awaiting_signoff');
    for (const [role, who] of [['sales', 'u-ben'], ['implementation', 'u-chen']] as const) {
      const signed = await post(`/handoffs/${handoffId}/signoff`, h.tokens[who], { role, packetVersion: 1, packetHash: awaiting.body.packet.hash });
      expect(signed.status).toBe(200);
      expect(signed.body.signoffs[role]).toMatchObject({ by: who, packetVersion: 1 });
    }
    let stage = '';
    for (const deadline = Date.now() + 30_000; stage !== 'first_milestone' && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      stage = (await get(`/handoffs/${handoffId}`, chen)).body.stage;
    }
    const met = await post(`/handoffs/${handoffId}/milestone`, chen, { status: 'met', note: 'kickoff held' });
    expect(met.status).toBe(200);
    expect(met.body.milestone).toMatchObject({ status: 'met' });
    // The read model shows the end once the workflow writes it (its history is not read).
    for (const deadline = Date.now() + 30_000; stage !== 'completed' && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      stage = (await get(`/handoffs/${handoffId}`, chen)).body.stage;
    }
    expect(stage).toBe('completed');

    // Completed, and no worker to replay its history: reads still answer, from the read model.
    await h.stopWorker();
    try {
      const done = await get(`/handoffs/${handoffId}`, chen);
      expect(done.status).toBe(200);
      expect(done.body.stage).toBe('completed');
      expect(done.body.milestone).toMatchObject({ status: 'met' });
      expect((await get(`/handoffs/${handoffId}`, h.tokens['u-outsider'])).status).toBe(404);
    } finally {
      await h.startWorker();
    }
  });
});

describe('updates that no API applied', () => {
  // An API that dies between the update and its write, or an update sent straight to Temporal:
  // the workflow writes the change itself a few seconds later (write-behind), and the next API
  // action, whose own changes start from a revision the read model does not have yet, still answers.
  test('the workflow writes an update\'s changes behind, and a later action answers once they land', async () => {
    const { handoffId, state } = await handoffInReview(h, 'behind');
    const [first, second] = state.reviewItems;
    const before = await h.pool.query('SELECT revision FROM handoffs WHERE handoff_id = $1', [handoffId]);
    const ack = await h.client.workflow.getHandle(handoffId).executeUpdate(decideReviewItemUpdate, {
      args: [{ itemId: first.id, decision: 'approved', packetVersion: 1, requestId: `${handoffId}-direct`, actor: { id: first.routeTo, roles: ['reviewer'] } }],
    });
    expect(ack.changes).toEqual([{ path: ['state', 'reviewItems', first.id, 'decision'], value: expect.objectContaining({ decision: 'approved' }) }]);
    expect(ack.base).toBe(Number(before.rows[0].revision));
    // Nobody applied it: the row is still at the revision before.
    const unapplied = await h.pool.query('SELECT revision FROM handoffs WHERE handoff_id = $1', [handoffId]);
    expect(Number(unapplied.rows[0].revision)).toBe(ack.base);

    // An API action now starts from the update's revision: it waits for the workflow's write, then answers.
    const decided = await post(`/handoffs/${handoffId}/review-items/${second.id}/decision`, h.tokens[second.routeTo], { decision: 'rejected', packetVersion: 1 });
    expect(decided.status).toBe(200);
    const items = Object.fromEntries(decided.body.reviewItems.map((i: any) => [i.id, i.decision?.decision]));
    expect(items).toMatchObject({ [first.id]: 'approved', [second.id]: 'rejected' });

    // The read right after shows both: the answer came from the read model, not a workflow query.
    const read = await get(`/handoffs/${handoffId}`, h.tokens[second.routeTo]);
    expect(Object.fromEntries(read.body.reviewItems.map((i: any) => [i.id, i.decision?.decision]))).toMatchObject({ [first.id]: 'approved', [second.id]: 'rejected' });

    // And the audit rows of both are there, each once.
    const audit = await h.pool.query('SELECT request_id, principal_id, decision FROM review_decisions WHERE handoff_id = $1 ORDER BY decided_at', [handoffId]);
    expect(audit.rows.filter((r) => r.request_id === `${handoffId}-direct`)).toEqual([{ request_id: `${handoffId}-direct`, principal_id: first.routeTo, decision: 'approved' }]);
    expect(audit.rows.filter((r) => r.decision === 'rejected')).toHaveLength(1);
  });
});

describe('with no worker running: everything reads the read model', () => {
  beforeAll(async () => {
    await h.stopWorker();
  });
  afterAll(async () => {
    await h.startWorker();
  });
  const id = (name: string) => `handoff-nw-${name}-${Date.now().toString(36)}`;

  test('GET /handoffs/:id and authorization answer from rows the workflow wrote', async () => {
    const handoffId = id('read');
    await writeProgress(h.pool, progressFixture(handoffId, 3));
    const read = await get(`/handoffs/${handoffId}`, h.tokens['u-ben']);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ handoffId, stage: 'in_review', reviewItems: [{ id: 'r1', summary: 'Promise of rev 3' }] });
    expect(read.body.links.temporalUi).toContain(handoffId);
    // Not part of it: 404 for reads, 403 for actions, decided without the workflow.
    expect((await get(`/handoffs/${handoffId}`, h.tokens['u-outsider'])).status).toBe(404);
    expect((await post(`/handoffs/${handoffId}/cancel`, h.tokens['u-outsider'], { reason: 'not mine' })).status).toBe(403);
    // The sales owner is part of it, but may not cancel: refused from the read model's owners.
    const refused = await post(`/handoffs/${handoffId}/cancel`, h.tokens['u-ben'], { reason: 'not mine' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/only the handoff owner, ops, admin/);
    // Ownership follows the newest write.
    await writeProgress(h.pool, progressFixture(handoffId, 4, { owners: { handoffOwner: 'u-ana', sales: 'u-dev', implementation: 'u-chen' } }));
    expect((await get(`/handoffs/${handoffId}`, h.tokens['u-ben'])).status).toBe(404);
    expect((await get(`/handoffs/${handoffId}`, h.tokens['u-dev'])).status).toBe(200);
    // Only ops ask the workflow itself.
    expect((await get(`/handoffs/${handoffId}?fresh=true`, h.tokens['u-chen'])).status).toBe(403);
  });

  test('the inbox: one person\'s items, most overdue first, escalations marked, paged without loss', async () => {
    const person = `u-inbox-${Date.now().toString(36)}`;
    const token = await createToken(h.pool, { id: person, name: 'Ines Inbox', roles: ['reviewer'] });
    const due = (day: number) => new Date(Date.UTC(2020, 0, day)).toISOString();
    const handoffIds = [id('inbox-a'), id('inbox-b'), id('inbox-c')];
    const pendingOf = (n: number): PendingItem[] => [
      { itemId: `q${n}`, kind: 'question', assignee: person, summary: `question ${n}`, blocking: true, since: due(1), dueAt: due(10 - n), escalated: n === 2 },
      { itemId: `s${n}`, kind: 'signoff', assignee: person, summary: `signoff ${n}`, blocking: true, since: due(1), escalated: false },
      { itemId: 'r1', kind: 'review_item', assignee: 'u-chen', summary: 'not this person\'s', blocking: true, since: due(1), dueAt: due(1), escalated: false },
    ];
    for (const [n, handoffId] of handoffIds.entries()) await writeProgress(h.pool, progressFixture(handoffId, 1, { pending: pendingOf(n) }));

    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await get(`/inbox?limit=2${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(page.status).toBe(200);
      expect(page.body.counts).toEqual({ total: 6, overdue: 3, escalated: 1 });
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      expect(page.body.truncated).toBe(cursor !== null);
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    // Overdue questions, the most overdue (earliest due) first; signoffs without a due time last.
    expect(seen.map((i) => i.id)).toEqual(['q2', 'q1', 'q0', 's0', 's1', 's2']);
    expect(seen.map((i) => i.handoffId).slice(0, 3)).toEqual([handoffIds[2], handoffIds[1], handoffIds[0]]);
    expect(seen[0]).toMatchObject({ kind: 'question', overdue: true, escalated: true, dueAt: due(8), customerName: 'Read Model Co', stage: 'in_review' });
    expect(seen[1]).toMatchObject({ escalated: false, overdue: true });
    expect(seen[3]).toMatchObject({ kind: 'signoff', overdue: false, action: `/handoffs/${handoffIds[0]}/signoff` });
    expect((await get('/inbox?cursor=bm90LWEtY3Vyc29y', token)).status).toBe(400);
  });

  test('inbox review items carry the state\'s category, reminder and escalation times', async () => {
    const handoffId = id('inbox-r');
    await writeProgress(h.pool, progressFixture(handoffId, 1));
    const inbox = await get('/inbox?limit=200', h.tokens['u-chen']);
    expect(inbox.status).toBe(200);
    const mine = inbox.body.items.filter((i: any) => i.handoffId === handoffId);
    expect(mine).toEqual([expect.objectContaining({
      kind: 'review_item', id: 'r1', category: 'timeline_commitment', remindAt: '2026-11-21T09:00:00.000Z', escalateAt: '2026-11-22T09:00:00.000Z',
      packetVersion: 1, action: `/handoffs/${handoffId}/review-items/r1/decision`,
    })]);
  });

  test('lists by owner come from SQL alone', async () => {
    const owner = `u-list-${Date.now().toString(36)}`;
    const handoffId = id('list');
    await writeProgress(h.pool, progressFixture(handoffId, 1, { owners: { handoffOwner: 'u-ana', sales: 'u-ben', implementation: owner } }));
    const list = await get(`/handoffs?owner=${owner}`, h.tokens.admin);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ handoffId, stage: 'in_review', owners: { handoffOwner: 'u-ana', sales: 'u-ben', implementation: owner }, packetVersion: 1 })]);
  });
});

// Keeps the fixture import honest: the worked example is what handoffInReview starts.
test('the worked example fixture names the owners the read-model tests use', () => {
  expect(withDealId(loadSharedFixture('worked-example'), 'x').owners).toMatchObject({ handoffOwner: { id: 'u-ana' }, sales: { id: 'u-ben' }, implementation: { id: 'u-chen' } });
});
