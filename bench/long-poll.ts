import { setTimeout as sleep } from 'node:timers/promises';

// Waiting for a handoff's next stage as a client should: GET /handoffs/:id, then long polls
// (`?after=<revision>&wait=S`) that answer when the handoff changes, instead of a GET every 100 ms.

type Get = (route: string) => Promise<any>;

const WAIT_S = 20;
/** A row that shows no revision (a handoff read from its workflow) is polled. */
const POLL_MS = 100;

/** Polls the handoff until it is in one of these stages; answers its view. */
export async function untilStage(get: Get, handoffId: string, stages: string[], timeoutMs: number): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let after: number | undefined;
  for (;;) {
    const state = await get(`/handoffs/${handoffId}${after === undefined ? '' : `?after=${after}&wait=${WAIT_S}`}`);
    if (stages.includes(state.stage)) return state;
    if (Date.now() > deadline) throw new Error(`${handoffId} stayed in ${state.stage}, waiting for ${stages.join('|')}`);
    if (typeof state.revision === 'number') after = state.revision;
    else await sleep(POLL_MS);
  }
}
