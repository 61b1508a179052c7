import type { Harness } from './harness';

// A dependency nobody owns (the worked example's data extraction) is a blocking question to the
// handoff owner, so driving a handoff through review answers questions as well as deciding items.

/** The handoff owner's answer to the worked example's question: who owns getting the data out of Epic and Kronos. */
export const OWNER_ANSWER = 'Northwind Health (Eli Park) pulls the Epic and Kronos exports; the implementation team loads them.';

interface Asked {
  id: string;
  blocking: boolean;
  askedOf?: string;
  answer?: unknown;
}

/**
 * Answers every unanswered blocking question of this state through the API, as the person it is
 * asked of; answers the last response (the state after the answers), or undefined when none was open.
 */
export async function answerBlockingQuestions(h: Harness, handoffId: string, state: { openQuestions: Asked[] }, answer = OWNER_ANSWER): Promise<any> {
  let last: any;
  for (const q of state.openQuestions.filter((q) => q.blocking && !q.answer)) {
    const token = h.tokens[q.askedOf ?? ''];
    if (!token) throw new Error(`question ${q.id} of ${handoffId} is asked of ${q.askedOf}, who has no token here`);
    const res = await h.request('POST', `/handoffs/${handoffId}/questions/${q.id}/answer`, { token, body: { answer } });
    if (res.status !== 200) throw new Error(`answering ${q.id} of ${handoffId}: ${res.status} ${JSON.stringify(res.body)}`);
    last = res.body;
  }
  return last;
}
