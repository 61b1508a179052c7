// The worked example's people acting on one handoff through the HTTP API, as the baseline and the
// cluster bench both drive it: every review item decided, the handoff owner's blocking question (who
// owns the data extraction) answered, both signoffs, the milestone reported.

export interface ApiDriver {
  /** One call as a client makes it (retrying 503s as the caller chooses); answers the parsed body. */
  http(method: string, route: string, token: string, body?: unknown): Promise<any>;
  /** Polls the handoff until it is in one of these stages; answers its view. */
  until(handoffId: string, stages: string[]): Promise<any>;
  /** A bearer token of this principal (reviewers are made on first use). */
  tokenFor(principalId: string): Promise<string>;
}

/** What review asked of whom in the worked example: the client-driven bench sends the same. */
export interface ReviewActions {
  items: Array<{ id: string; routeTo: string }>;
  questions: Array<{ id: string; askedOf: string }>;
}

/** The answer the handoff owner gives to the worked example's question. */
export const OWNER_ANSWER = 'Northwind Health (Eli Park) pulls the Epic and Kronos exports; we load them.';

/**
 * Drives a started handoff to its completed milestone; each decision's and answer's round trip goes
 * into decisionMs (an answer stands where a dependency_owner decision used to). Answers what it did.
 */
export async function completeWorkedExample(api: ApiDriver, id: string, decisionMs: number[]): Promise<ReviewActions> {
  const review = await api.until(id, ['in_review']);
  const questions = review.openQuestions.filter((q: { blocking: boolean; answer?: unknown }) => q.blocking && !q.answer);
  let last: any;
  for (const item of review.reviewItems) {
    const t = performance.now();
    last = await api.http('POST', `/handoffs/${id}/review-items/${item.id}/decision`, await api.tokenFor(item.routeTo), {
      decision: 'rejected',
      comment: 'not in the contract; reset at kickoff',
      packetVersion: review.packet.version,
      requestId: `${id}-${item.id}`,
    });
    decisionMs.push(performance.now() - t);
  }
  for (const q of questions) {
    const t = performance.now();
    last = await api.http('POST', `/handoffs/${id}/questions/${q.id}/answer`, await api.tokenFor(q.askedOf), { answer: OWNER_ANSWER, requestId: `${id}-${q.id}` });
    decisionMs.push(performance.now() - t);
  }
  const awaiting = last?.stage === 'awaiting_signoff' && last.packet?.hash ? last : await api.until(id, ['awaiting_signoff']);
  for (const [who, role] of [['u-ben', 'sales'], ['u-chen', 'implementation']] as const) {
    last = await api.http('POST', `/handoffs/${id}/signoff`, await api.tokenFor(who), { role, packetVersion: awaiting.packet.version, packetHash: awaiting.packet.hash, requestId: `${id}-${role}` });
  }
  if (last.stage !== 'first_milestone') await api.until(id, ['first_milestone']);
  last = await api.http('POST', `/handoffs/${id}/milestone`, await api.tokenFor('u-chen'), { status: 'met', requestId: `${id}-milestone` });
  if (last.stage !== 'completed') await api.until(id, ['completed']);
  return {
    items: review.reviewItems.map((item: { id: string; routeTo: string }) => ({ id: item.id, routeTo: item.routeTo })),
    questions: questions.map((q: { id: string; askedOf: string }) => ({ id: q.id, askedOf: q.askedOf })),
  };
}
