import { answerBlockingQuestions, OWNER_ANSWER } from '../support/answers';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, waitForStage, type Harness } from '../support/harness';
import { milestoneStatusUpdate } from '../../src/workflows/definitions';

// The whole path of one handoff through the real API, worker, Temporal dev server and Postgres.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

test('the worked example goes from intake to a released kickoff', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'life');
  const started = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: bundle });
  expect(started.status).toBe(201);
  const { handoffId } = started.body;
  expect(handoffId).toBe(`handoff-${bundle.dealId}`);

  // Starting the same deal again answers with the running handoff.
  const again = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: bundle });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ handoffId, created: false });

  const inReview = await waitForStage(h, handoffId, ['in_review']);
  expect(inReview.packet.version).toBe(1);
  expect(inReview.reviewItems.length).toBeGreaterThan(0);
  expect(inReview.reviewItems.some((i: any) => i.category === 'timeline_commitment')).toBe(true);

  for (const item of inReview.reviewItems) {
    const token = h.tokens[item.routeTo];
    expect(token).toBeDefined();
    const decided = await h.request('POST', `/handoffs/${handoffId}/review-items/${item.id}/decision`, {
      token,
      body: { decision: 'rejected', comment: 'not in the contract; reset expectations at kickoff', packetVersion: 1 },
    });
    expect(decided.status).toBe(200);
  }
  // Nobody owns the data extraction: the handoff owner is asked, and review waits for the answer.
  expect(inReview.reviewItems.some((i: any) => i.category === 'dependency_owner')).toBe(false);
  expect(inReview.openQuestions.filter((q: any) => q.blocking).map((q: any) => [q.id, q.askedOf])).toEqual([['q1', 'u-ana']]);
  const answered = await answerBlockingQuestions(h, handoffId, inReview);
  expect(answered.openQuestions.find((q: any) => q.id === 'q1').answer).toMatchObject({ by: 'u-ana', text: OWNER_ANSWER });

  const awaiting = await waitForStage(h, handoffId, ['awaiting_signoff']);
  const { version, hash } = awaiting.packet;
  for (const [principal, role] of [['u-ben', 'sales'], ['u-chen', 'implementation']] as const) {
    const signed = await h.request('POST', `/handoffs/${handoffId}/signoff`, {
      token: h.tokens[principal],
      body: { role, packetVersion: version, packetHash: hash },
    });
    expect(signed.status).toBe(200);
  }

  const following = await waitForStage(h, handoffId, ['first_milestone']);
  expect(following.release.packetVersion).toBe(1);
  // The kickoff (2026-12-03) is what was released; the first milestone after it is data access.
  expect(following.milestone.due).toBe('2026-12-10');
  await h.client.workflow.getHandle(handoffId).executeUpdate(milestoneStatusUpdate, {
    args: [{ status: 'met', note: 'kickoff held', requestId: `${handoffId}-m1`, actor: { id: 'u-chen', roles: ['implementation'] } }],
  });

  const result = await h.client.workflow.getHandle(handoffId).result();
  expect(result.stage).toBe('completed');
  expect(result.release?.packetVersion).toBe(1);

  const events = await h.pool.query('SELECT kind, value FROM measurement_events WHERE handoff_id = $1 ORDER BY kind', [handoffId]);
  const byKind = Object.fromEntries(events.rows.map((r) => [r.kind, r.value]));
  expect(byKind).toMatchObject({ accepted: 1, first_milestone_readiness: 1, expectation_gaps: inReview.packet.impliedPromises, packet_completion: inReview.packet.completeness });

  const release = await h.pool.query('SELECT packet_hash, system, record_id, customer_email FROM kickoff_releases WHERE handoff_id = $1', [handoffId]);
  expect(release.rows).toHaveLength(1);
  expect(release.rows[0]).toMatchObject({ packet_hash: hash, system: 'hubspot', record_id: 'deal-88231' });
  // Rejected promises never reach the customer.
  expect(release.rows[0].customer_email).not.toMatch(/before the board meeting/i);

  const projection = await h.pool.query('SELECT stage, packet_version FROM handoffs WHERE handoff_id = $1', [handoffId]);
  expect(projection.rows[0]).toEqual({ stage: 'completed', packet_version: 1 });
});

test('every call but health needs a valid token', async () => {
  expect((await h.request('GET', '/healthz')).status).toBe(200);
  const none = await h.request('POST', '/handoffs', { body: {} });
  expect(none.status).toBe(401);
  expect(none.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect((await h.request('GET', '/handoffs/handoff-x', { token: 'hnd_not-a-real-token' })).status).toBe(401);
});

test('a malformed bundle is refused with zod field paths and starts nothing', async () => {
  const bundle: any = withDealId(loadSharedFixture('worked-example'), 'bad');
  bundle.documents[0].kind = 'napkin';
  bundle.trigger = 'lunch';
  const res = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: bundle });
  expect(res.status).toBe(400);
  const paths = res.body.errors.map((e: any) => e.path);
  expect(paths).toEqual(expect.arrayContaining(['trigger', 'documents.0.kind']));
  expect((await h.request('GET', `/handoffs/handoff-${bundle.dealId}`, { token: h.tokens.admin })).status).toBe(404);
});

test('only the routed reviewer decides an item, and only the named implementation owner signs', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'authz');
  const { body } = await h.request('POST', '/handoffs', { token: h.tokens['u-ana'], body: bundle });
  const state = await waitForStage(h, body.handoffId, ['in_review']);
  const item = state.reviewItems[0];

  const outsider = await h.request('POST', `/handoffs/${body.handoffId}/review-items/${item.id}/decision`, {
    token: h.tokens['u-outsider'],
    body: { decision: 'approved', packetVersion: 1 },
  });
  expect(outsider.status).toBe(403);

  const stale = await h.request('POST', `/handoffs/${body.handoffId}/review-items/${item.id}/decision`, {
    token: h.tokens[item.routeTo],
    body: { decision: 'approved', packetVersion: 7 },
  });
  expect(stale.status).toBe(409);

  const unknown = await h.request('POST', `/handoffs/${body.handoffId}/review-items/nope/decision`, {
    token: h.tokens[item.routeTo],
    body: { decision: 'approved', packetVersion: 1 },
  });
  expect(unknown.status).toBe(404);

  const earlySignoff = await h.request('POST', `/handoffs/${body.handoffId}/signoff`, {
    token: h.tokens['u-ben'],
    body: { role: 'implementation', packetVersion: 1, packetHash: state.packet.hash },
  });
  expect(earlySignoff.status).toBe(403);

  const cancelled = await h.request('POST', `/handoffs/${body.handoffId}/cancel`, { token: h.tokens.admin, body: { reason: 'test cleanup' } });
  expect(cancelled.status).toBe(200);
  expect((await h.client.workflow.getHandle(body.handoffId).result()).stage).toBe('cancelled');
});
