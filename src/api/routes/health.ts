import { defineRoute } from '../route-table';
import { Health, Readiness } from '../schemas';

// Liveness and readiness, without a token: load balancers and orchestrators call them.

const READY_TIMEOUT_MS = 2_000;

async function check(work: () => Promise<unknown>): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    // Only the first line: connection errors can be long, and this answer is public.
    return { ok: false, detail: (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

export const healthz = defineRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'healthz',
  summary: 'Liveness: the process answers',
  tag: 'health',
  auth: 'public',
  who: 'anyone (no token)',
  responses: { 200: { description: 'Alive', schema: Health } },
  handler({ res }) {
    res.json({ ok: true });
  },
});

export const readyz = defineRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'readyz',
  summary: 'Readiness: Temporal and Postgres answer (503 when either does not)',
  tag: 'health',
  auth: 'public',
  who: 'anyone (no token)',
  responses: { 200: { description: 'Ready', schema: Readiness }, 503: { description: 'Not ready', schema: Readiness } },
  async handler({ deps, res }) {
    const [temporal, postgres] = await Promise.all([
      check(() => deps.client.workflowService.getSystemInfo({})),
      check(() => deps.pool.query('SELECT 1')),
    ]);
    const ok = temporal.ok && postgres.ok;
    res.status(ok ? 200 : 503).json({ ok, checks: { temporal, postgres } });
  },
});
