import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { HttpProblem } from '../../src/api/problem';
import { startApi } from '../../src/api/server';
import { callWorkflow, RETRY_AFTER_S, WORKFLOW_CALL_TIMEOUT_MS } from '../../src/api/temporal-errors';
import { decideReviewItemUpdate } from '../../src/workflows/definitions';
import type { Harness } from '../support/harness';
import { handoffInReview, startApiHarness } from './support';

// Temporal errors as a real dev server and worker produce them, and what the API answers: 404, 409,
// and 503 fast (with Retry-After) when no worker answers; /readyz is not ready without a worker.

let h: Harness;
let live: { handoffId: string; state: any };
let finished: { handoffId: string; state: any };

beforeAll(async () => {
  h = await startApiHarness();
  [live, finished] = await Promise.all([handoffInReview(h, 'tcalls-live'), handoffInReview(h, 'tcalls-finished')]);
  const cancelled = await h.request('POST', `/handoffs/${finished.handoffId}/cancel`, { token: h.tokens.admin, body: { reason: 'duplicate deal' } });
  expect(cancelled.status).toBe(200);
  await h.client.workflow.getHandle(finished.handoffId).result();
});
afterAll(async () => {
  await h?.close();
});

/** The HttpProblem a call fails with, and how long it took. */
async function problemOf(work: Promise<unknown>): Promise<{ problem: HttpProblem; ms: number }> {
  const started = Date.now();
  const err = await work.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HttpProblem);
  return { problem: err as HttpProblem, ms: Date.now() - started };
}

const firstItem = () => live.state.reviewItems[0] as { id: string; routeTo: string };
const decision = (requestId: string) => ({ decision: 'approved', packetVersion: live.state.packet.version, requestId });

describe('with a worker', () => {
  test('/readyz is ready and says a worker polls the task queue', async () => {
    const res = await h.request('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks.worker).toEqual({ ok: true });
  });

  test('a handoff that does not exist is 404 (NOT_FOUND from the query)', async () => {
    const res = await h.request('GET', '/handoffs/handoff-D-nothing-here', { token: h.tokens.admin });
    expect(res.status).toBe(404);
    const { problem } = await problemOf(callWorkflow(h.client, 'handoff-D-nothing-here', 'update', (handle) => handle.executeUpdate(decideReviewItemUpdate, { args: [{} as never] })));
    expect(problem.status).toBe(404);
  });

  test('an update to a finished handoff is 409 "finished" (the server answers NOT_FOUND; describe tells it apart)', async () => {
    const item = finished.state.reviewItems[0];
    const res = await h.request('POST', `/handoffs/${finished.handoffId}/review-items/${item.id}/decision`, { token: h.tokens[item.routeTo], body: decision('tc-finished') });
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe(`handoff ${finished.handoffId} is finished`);
  });

  test('validator refusals answer by their ApplicationFailure type: 403 not routed to you, 409 stale packet version', async () => {
    const item = firstItem();
    const other = item.routeTo === 'u-ben' ? 'u-chen' : 'u-ben';
    const path = `/handoffs/${live.handoffId}/review-items/${item.id}/decision`;
    const notYours = await h.request('POST', path, { token: h.tokens[other], body: decision('tc-not-yours') });
    expect(notYours.status).toBe(403);
    const stale = await h.request('POST', path, { token: h.tokens[item.routeTo], body: { ...decision('tc-stale'), packetVersion: live.state.packet.version + 5 } });
    expect(stale.status).toBe(409);
  });

  test('a query or update the workflow does not register is 409, and changes nothing', async () => {
    const query = await problemOf(callWorkflow(h.client, live.handoffId, 'query', (handle) => handle.query(defineQuery<string>('noSuchQuery'))));
    expect(query.problem.status).toBe(409);
    expect(query.problem.message).toMatch(/does not answer this query/);
    const update = await problemOf(callWorkflow(h.client, live.handoffId, 'update', (handle) => handle.executeUpdate(defineUpdate<string>('noSuchUpdate'))));
    expect(update.problem.status).toBe(409);
    expect(update.problem.message).toMatch(/refused this action/);
    expect((await h.request('GET', `/handoffs/${live.handoffId}`, { token: h.tokens.admin })).body.stage).toBe('in_review');
  });
});

describe('with the worker stopped', () => {
  beforeAll(async () => {
    await h.stopWorker();
  });

  test('reading a handoff still answers from the read model, with no worker at all', async () => {
    const res = await h.request('GET', `/handoffs/${live.handoffId}`, { token: h.tokens.admin });
    expect(res.status).toBe(200);
    expect(res.body.stage).toBe('in_review');
  });

  test('asking the workflow itself (?fresh=true, ops) answers 503 with Retry-After within the query deadline, not after ~30 s', async () => {
    const started = Date.now();
    const res = await h.request('GET', `/handoffs/${live.handoffId}?fresh=true`, { token: h.tokens.admin });
    const ms = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_S));
    expect(ms).toBeLessThan(WORKFLOW_CALL_TIMEOUT_MS.query + 2_000);
  });

  test('an action answers 503 too, and an update that got no answer in time is 503 within the update deadline', async () => {
    const item = firstItem();
    const res = await h.request('POST', `/handoffs/${live.handoffId}/review-items/${item.id}/decision`, { token: h.tokens[item.routeTo], body: decision('tc-down') });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_S));

    // The update itself (the API reads the state first, so drive it directly): it never hangs.
    const actor = { id: item.routeTo, roles: ['implementation', 'reviewer', 'sales'] };
    const updateId = `${item.routeTo}:tc-down`;
    const { problem, ms } = await problemOf(
      callWorkflow(h.client, live.handoffId, 'update', (handle) =>
        handle.executeUpdate(decideReviewItemUpdate, { args: [{ ...decision('tc-down'), itemId: item.id, requestId: updateId, actor } as never], updateId }),
      ),
    );
    expect(problem.status).toBe(503);
    expect(problem.message).toMatch(/retry with the same requestId/);
    expect(ms).toBeLessThan(WORKFLOW_CALL_TIMEOUT_MS.update + 2_000);
  }, 30_000);

  test('/readyz is not ready once no worker has polled within READY_WORKER_SEEN_WITHIN_S', async () => {
    // A short window, so the test need not wait out the default 70 s (an idle poll lasts 60 s).
    const api = await startApi({ client: h.client, pool: h.pool, config: { ...h.config, READY_WORKER_SEEN_WITHIN_S: 2 } });
    try {
      const deadline = Date.now() + 15_000;
      let res: Response;
      do {
        res = await fetch(`${api.url}/readyz`);
        if (res.status === 503) break;
        await new Promise((r) => setTimeout(r, 500));
      } while (Date.now() < deadline);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_S));
      const body = (await res.json()) as any;
      expect(body).toMatchObject({ ok: false, checks: { temporal: { ok: true }, postgres: { ok: true }, worker: { ok: false } } });
      expect(body.checks.worker.detail).toContain(h.config.TEMPORAL_TASK_QUEUE);
    } finally {
      await api.close();
    }
  });

  test('/readyz on a task queue no worker ever polled is not ready at once, with the default window', async () => {
    const api = await startApi({ client: h.client, pool: h.pool, config: { ...h.config, TEMPORAL_TASK_QUEUE: `${h.config.TEMPORAL_TASK_QUEUE}-unpolled` } });
    try {
      const res = await fetch(`${api.url}/readyz`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as any).checks.worker).toMatchObject({ ok: false, detail: expect.stringContaining('workflow or activity tasks') });
    } finally {
      await api.close();
    }
  });

  test('when the worker is back, reads answer again and a retried action with the same requestId applies once', async () => {
    await h.startWorker();
    const item = firstItem();
    const res = await h.request('POST', `/handoffs/${live.handoffId}/review-items/${item.id}/decision`, { token: h.tokens[item.routeTo], body: decision('tc-down') });
    expect(res.status).toBe(200);
    expect(res.body.reviewItems.find((i: { id: string }) => i.id === item.id).decision).toMatchObject({ decision: 'approved', by: item.routeTo });
    const again = await h.request('POST', `/handoffs/${live.handoffId}/review-items/${item.id}/decision`, { token: h.tokens[item.routeTo], body: decision('tc-down') });
    expect(again.status).toBe(200);
    const rows = await h.pool.query('SELECT count(*)::int AS n FROM review_decisions WHERE handoff_id = $1 AND item_id = $2', [live.handoffId, item.id]);
    expect(rows.rows[0].n).toBe(1);
    expect((await h.request('GET', '/readyz')).status).toBe(200);
  }, 30_000);
});
