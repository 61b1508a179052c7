import { createToken } from '../../src/db/tokens';
import type { Role } from '../../src/domain/review';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, waitForStage, type Harness } from '../support/harness';

// API tests: the harness (real worker, API, Temporal dev server, Postgres) plus principals the
// role matrix needs beyond the demo people of the worked example.

export const extraPrincipals: Array<{ id: string; name: string; roles: Role[] }> = [
  { id: 'u-ops', name: 'Oscar Ops', roles: ['ops'] },
  { id: 'u-impl2', name: 'Ines Other-Implementer', roles: ['implementation'] },
];

export async function startApiHarness(overrides: Parameters<typeof startHarness>[0] = {}, options: Parameters<typeof startHarness>[1] = {}): Promise<Harness> {
  const h = await startHarness(overrides, options);
  for (const p of extraPrincipals) h.tokens[p.id] = await createToken(h.pool, p);
  return h;
}

/** The worked example (owners u-ana, u-ben, u-chen) started through the API and waited into review. */
export async function handoffInReview(h: Harness, suffix: string): Promise<{ handoffId: string; state: any }> {
  const bundle = withDealId(loadSharedFixture('worked-example'), suffix);
  const started = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: bundle });
  if (started.status !== 201) throw new Error(`could not start: ${started.status} ${JSON.stringify(started.body)}`);
  const state = await waitForStage(h, started.body.handoffId, ['in_review']);
  // The projection (lists, inbox) is written by an activity right after the stage changes.
  const deadline = Date.now() + 15_000;
  while ((await h.pool.query("SELECT 1 FROM handoffs WHERE handoff_id = $1 AND stage = 'in_review'", [started.body.handoffId])).rowCount !== 1) {
    if (Date.now() > deadline) throw new Error(`the projection of ${started.body.handoffId} never showed in_review`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { handoffId: started.body.handoffId, state };
}
