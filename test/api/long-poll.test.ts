import { loadSharedFixture, withDealId } from '../support/fixtures';
import type { Harness } from '../support/harness';
import { startApiHarness } from './support';

// A handoff is in the read model from the moment its start answers (the start writes its first row),
// so reading it never asks the workflow; and a client waiting for the next step long-polls
// (`?after=<revision>&wait=S`) instead of asking every 100 ms.

let h: Harness;
beforeAll(async () => {
  // No worker yet: any read that asked the workflow would hang and answer 503.
  h = await startApiHarness({}, { worker: false });
});
afterAll(async () => {
  await h?.close();
});

const get = (path: string) => h.request('GET', path, { token: h.tokens['u-chen'] });

test('a started handoff reads from the read model at once, and a long poll answers when it moves on', async () => {
  const started = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: withDealId(loadSharedFixture('worked-example'), 'long-poll') });
  expect(started.status).toBe(201);
  const id = started.body.handoffId;

  // The start's own row: the workflow has not run (no worker), yet the owners may read it.
  const first = await get(`/handoffs/${id}`);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ handoffId: id, stage: 'intake', revision: -1, reviewItems: [], owners: { implementation: 'u-chen', sales: 'u-ben' } });
  // Authorization reads it too: someone with no part in the deal is not told it exists.
  expect((await h.request('GET', `/handoffs/${id}`, { token: h.tokens['u-outsider'] })).status).toBe(404);
  const { rows } = await h.pool.query('SELECT stage, revision FROM handoffs WHERE handoff_id = $1', [id]);
  expect(rows).toEqual([{ stage: 'intake', revision: '-1' }]);

  // Nothing happens: the long poll answers the same state when its wait is over.
  const unchanged = await get(`/handoffs/${id}?after=-1&wait=1`);
  expect(unchanged.status).toBe(200);
  expect(unchanged.body).toMatchObject({ stage: 'intake', revision: -1 });

  // With a worker the workflow takes over the row: the long poll answers a later revision.
  const waiting = get(`/handoffs/${id}?after=-1&wait=30`);
  await h.startWorker();
  const moved = await waiting;
  expect(moved.status).toBe(200);
  expect(moved.body.revision).toBeGreaterThan(-1);
  // Waiting on from there reaches review without a poll in between.
  let view = moved.body;
  for (let round = 0; view.stage !== 'in_review' && round < 20; round++) {
    const next = await get(`/handoffs/${id}?after=${view.revision}&wait=30`);
    expect(next.body.revision).toBeGreaterThan(view.revision);
    view = next.body;
  }
  expect(view.stage).toBe('in_review');
  expect(view.reviewItems.length).toBeGreaterThan(0);
});

test('a wait out of range or a revision that is no number is a 400 at its path', async () => {
  const res = await get('/handoffs/handoff-x?after=1&wait=31');
  expect(res.status).toBe(400);
  expect(res.body.errors).toEqual([expect.objectContaining({ path: 'query.wait' })]);
  const bad = await get('/handoffs/handoff-x?after=one&wait=5');
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'query.after' })]);
});
