import type { Person } from '../../src/domain/intake';
import { answerBlockingQuestions } from '../support/answers';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { waitForStage, type Harness } from '../support/harness';
import { startHandoff } from '../support/start-handoff';
import { startApiHarness } from './support';

// A deal whose handoff finished starts again only by an explicit, authorized restart, under a new
// handoff id. The attack this closes: after a deal's handoff completed, a sales user who owned
// nothing started the same deal again naming himself every owner (201, the same handoff id), then
// read the earlier run's packet with ?version=2. The cause: every run of a deal was handoff-<dealId>,
// and packets are keyed by handoff id.

let h: Harness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.close();
});

const person = (id: string): Person => ({ id, name: id, email: `${id}@vendor.example` });
const post = (path: string, token: string, body: unknown) => h.request('POST', path, { token, body });
const get = (path: string, token: string) => h.request('GET', path, { token });

/** Runs the worked example through a redraft (packet v2), review, signoffs and its milestone to completed. */
async function completedWithTwoVersions(suffix: string) {
  const bundle = withDealId(loadSharedFixture('worked-example'), suffix);
  const started = await post('/handoffs', h.tokens['u-ben'], bundle);
  expect(started.status).toBe(201);
  const handoffId: string = started.body.handoffId;
  expect(handoffId).toBe(`handoff-${bundle.dealId}`);
  await waitForStage(h, handoffId, ['in_review']);
  expect((await post(`/handoffs/${handoffId}/changes`, h.tokens['u-chen'], { comment: 'Add the board meeting as a dependency.', packetVersion: 1 })).status).toBe(200);
  let state = await waitForStage(h, handoffId, ['in_review']);
  for (const deadline = Date.now() + 30_000; state.packet.version !== 2 && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100));
    state = await waitForStage(h, handoffId, ['in_review']);
  }
  expect(state.packet.version).toBe(2);
  for (const item of state.reviewItems) {
    expect((await post(`/handoffs/${handoffId}/review-items/${item.id}/decision`, h.tokens[item.routeTo], { decision: 'rejected', packetVersion: 2 })).status).toBe(200);
  }
  await answerBlockingQuestions(h, handoffId, state);
  const awaiting = await waitForStage(h, handoffId, ['awaiting_signoff']);
  for (const [who, role] of [['u-ben', 'sales'], ['u-chen', 'implementation']] as const) {
    expect((await post(`/handoffs/${handoffId}/signoff`, h.tokens[who], { role, packetVersion: 2, packetHash: awaiting.packet.hash })).status).toBe(200);
  }
  await waitForStage(h, handoffId, ['first_milestone']);
  expect((await post(`/handoffs/${handoffId}/milestone`, h.tokens['u-chen'], { status: 'met' })).status).toBe(200);
  expect((await h.client.workflow.getHandle(handoffId).result()).stage).toBe('completed');
  return { bundle, handoffId, packetHash: awaiting.packet.hash as string };
}

test('the attack is closed: a finished deal is not started again by someone who owns nothing, and its packets stay its own', async () => {
  const { bundle, handoffId, packetHash } = await completedWithTwoVersions('restart-attack');
  const takeover = { ...bundle, owners: { handoffOwner: person('u-dev'), sales: person('u-dev'), implementation: person('u-dev') } };

  // Without restart: 409 naming the finished handoff; nothing starts.
  const plain = await post('/handoffs', h.tokens['u-dev'], takeover);
  expect(plain.status).toBe(409);
  expect(plain.body).toMatchObject({ handoffId, detail: expect.stringContaining('"restart": true') });
  // With restart, by a sales user who took no part in the finished run: 403.
  const sneaky = await post('/handoffs', h.tokens['u-dev'], { ...takeover, restart: true });
  expect(sneaky.status).toBe(403);
  const runs = await h.pool.query('SELECT handoff_id FROM handoff_runs WHERE deal_id = $1', [bundle.dealId]);
  expect(runs.rows).toEqual([{ handoff_id: handoffId }]);
  // The earlier run's packets are not his to read, by any version.
  expect((await get(`/handoffs/${handoffId}/packet?version=2`, h.tokens['u-dev'])).status).toBe(404);
  expect((await get(`/handoffs/${handoffId}`, h.tokens['u-dev'])).status).toBe(404);
  // Its parties still read them.
  const v2 = await get(`/handoffs/${handoffId}/packet?version=2`, h.tokens['u-chen']);
  expect(v2.status).toBe(200);
  expect(v2.body.hash).toBe(packetHash);
});

test('an authorized restart starts a new handoff under a new id; the earlier run keeps its packets, stage and parties', async () => {
  const { bundle, handoffId, packetHash } = await completedWithTwoVersions('restart-ok');
  // The finished run's sales owner restarts it, naming u-impl2 as implementation owner this time.
  const again = { ...bundle, owners: { ...bundle.owners, implementation: person('u-impl2') }, restart: true };
  const restarted = await post('/handoffs', h.tokens['u-ben'], again);
  expect(restarted.status).toBe(201);
  expect(restarted.body).toMatchObject({ handoffId: `${handoffId}~2`, created: true, restartOf: handoffId });
  const newId: string = restarted.body.handoffId;
  expect(restarted.headers.get('location')).toBe(`/handoffs/${newId}`);
  await waitForStage(h, newId, ['in_review']);

  // Each run has its own packets: the restart's v1 overwrote nothing of the earlier run.
  const packets = await h.pool.query('SELECT handoff_id, version, hash FROM packets WHERE handoff_id = ANY($1) ORDER BY handoff_id, version', [[handoffId, newId]]);
  expect(packets.rows.filter((r) => r.handoff_id === handoffId).map((r) => r.version)).toEqual([1, 2]);
  expect(packets.rows.find((r) => r.handoff_id === handoffId && r.version === 2)?.hash).toBe(packetHash);
  expect(packets.rows.filter((r) => r.handoff_id === newId).map((r) => r.version)).toEqual([1]);
  expect((await get(`/handoffs/${newId}/packet?version=2`, h.tokens['u-ben'])).status).toBe(404);

  // The new implementation owner sees the new run, not the earlier one; the earlier run stays completed.
  expect((await get(`/handoffs/${newId}`, h.tokens['u-impl2'])).status).toBe(200);
  expect((await get(`/handoffs/${handoffId}`, h.tokens['u-impl2'])).status).toBe(404);
  expect((await get(`/handoffs/${handoffId}/packet?version=2`, h.tokens['u-impl2'])).status).toBe(404);
  expect((await get(`/handoffs/${handoffId}`, h.tokens['u-chen'])).body.stage).toBe('completed');

  // While the new run runs: a plain start answers it (200); a restart is 409 (cancel first).
  const running = await post('/handoffs', h.tokens['u-ben'], bundle);
  expect(running.status).toBe(200);
  expect(running.body).toMatchObject({ handoffId: newId, created: false });
  const restartRunning = await post('/handoffs', h.tokens['u-ops'], { ...bundle, restart: true });
  expect(restartRunning.status).toBe(409);
  expect(restartRunning.body.handoffId).toBe(newId);

  // Once cancelled, ops restarts it: run 3.
  expect((await post(`/handoffs/${newId}/cancel`, h.tokens['u-ops'], { reason: 'deal re-opened' })).status).toBe(200);
  await h.client.workflow.getHandle(newId).result();
  const third = await post('/handoffs', h.tokens['u-ops'], { ...bundle, restart: true });
  expect(third.status).toBe(201);
  expect(third.body).toMatchObject({ handoffId: `${handoffId}~3`, restartOf: newId });
  const runs = await h.pool.query('SELECT handoff_id, run, started_by, restart_of FROM handoff_runs WHERE deal_id = $1 ORDER BY run', [bundle.dealId]);
  expect(runs.rows).toEqual([
    { handoff_id: handoffId, run: 1, started_by: 'u-ben', restart_of: null },
    { handoff_id: newId, run: 2, started_by: 'u-ben', restart_of: handoffId },
    { handoff_id: `${handoffId}~3`, run: 3, started_by: 'u-ops', restart_of: newId },
  ]);
  await h.client.workflow.getHandle(`${handoffId}~3`).terminate('test done');
});

test('a run Temporal no longer keeps still holds its id: the deal starts again only by restart, under the next id', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'restart-gone');
  const started = await post('/handoffs', h.tokens['u-ben'], bundle);
  const handoffId: string = started.body.handoffId;
  const handle = h.client.workflow.getHandle(handoffId);
  await handle.terminate('test: finished');
  // What retention does to a closed workflow (the dev server deletes it within seconds).
  await h.client.workflowService.deleteWorkflowExecution({ namespace: h.config.TEMPORAL_NAMESPACE, workflowExecution: { workflowId: handoffId } });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const gone = await handle.describe().then(() => false, () => true);
    if (gone) break;
    if (Date.now() > deadline) throw new Error('the workflow was not deleted');
    await new Promise((r) => setTimeout(r, 100));
  }

  const plain = await post('/handoffs', h.tokens['u-ben'], bundle);
  expect(plain.status).toBe(409);
  expect(plain.body.detail).toContain(`already had handoff ${handoffId} (finished)`);
  const restarted = await post('/handoffs', h.tokens['u-ben'], { ...bundle, restart: true });
  expect(restarted.status).toBe(201);
  expect(restarted.body.handoffId).toBe(`${handoffId}~2`);
  await h.client.workflow.getHandle(restarted.body.handoffId).terminate('test done');
}, 120_000);

test('concurrent starts of one new deal start it once; the others answer with it', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'restart-race');
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post('/handoffs', h.tokens[i % 2 ? 'u-ben' : 'u-ana'], bundle)));
  expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
  expect(new Set(answers.map((a) => a.body.handoffId))).toEqual(new Set([`handoff-${bundle.dealId}`]));
  await h.client.workflow.getHandle(`handoff-${bundle.dealId}`).terminate('test done');
});

test('a handoff started before runs were recorded is adopted as the deal\'s first run', async () => {
  // Started straight on Temporal, as handoffs were before handoff_runs existed.
  const { handoffId, bundle } = await startHandoff(h, withDealId(loadSharedFixture('worked-example'), 'restart-legacy'));
  const again = await post('/handoffs', h.tokens['u-ben'], bundle);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ handoffId, created: false });
  const runs = await h.pool.query('SELECT handoff_id, run FROM handoff_runs WHERE deal_id = $1', [bundle.dealId]);
  expect(runs.rows).toEqual([{ handoff_id: handoffId, run: 1 }]);
  await h.client.workflow.getHandle(handoffId).terminate('test done');
});
