import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, waitForStage, type Harness } from '../support/harness';

// The routing table is configuration: here timeline commitments go to a delivery lead from the
// reviewer directory, someone who owns nothing on the deal, and the inbox still finds their item.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ REVIEW_ROUTING: { timeline_commitment: 'delivery_lead' }, REVIEW_DIRECTORY: { delivery_lead: 'u-outsider' } });
});
afterAll(async () => {
  await h?.close();
});

test('a configured route sends an item to a reviewer outside the deal, whose inbox shows it', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'route');
  const { body } = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: bundle });
  const state = await waitForStage(h, body.handoffId, ['in_review']);
  const timeline = state.reviewItems.find((i: any) => i.category === 'timeline_commitment');
  expect(timeline.routeTo).toBe('u-outsider');
  expect(state.reviewItems.filter((i: any) => i.category !== 'timeline_commitment').every((i: any) => i.routeTo === 'u-chen')).toBe(true);

  // The projection names the assignee; wait for the row the workflow writes on entering review.
  const deadline = Date.now() + 10_000;
  let mine: any[] = [];
  while (Date.now() < deadline && mine.length === 0) {
    const inbox = await h.request('GET', '/inbox', { token: h.tokens['u-outsider'] });
    mine = inbox.body.items.filter((i: any) => i.handoffId === body.handoffId);
    if (!mine.length) await new Promise((r) => setTimeout(r, 100));
  }
  expect(mine.map((i: any) => i.id)).toEqual([timeline.id]);

  const decided = await h.request('POST', `/handoffs/${body.handoffId}/review-items/${timeline.id}/decision`, {
    token: h.tokens['u-outsider'],
    body: { decision: 'approved', comment: 'board date is feasible with customer data by Dec 1', packetVersion: 1 },
  });
  expect(decided.status).toBe(200);
  // Chen's items are not the outsider's to decide.
  const other = state.reviewItems.find((i: any) => i.routeTo === 'u-chen');
  const refused = await h.request('POST', `/handoffs/${body.handoffId}/review-items/${other.id}/decision`, {
    token: h.tokens['u-outsider'],
    body: { decision: 'approved', packetVersion: 1 },
  });
  expect(refused.status).toBe(403);
  await h.client.workflow.getHandle(body.handoffId).terminate('test done');
});
