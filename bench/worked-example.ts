// The worked example's people acting on one handoff through the HTTP API, as the baseline and the
// cluster bench both drive it: every review item decided, both signoffs, the milestone reported.

export interface ApiDriver {
  /** One call as a client makes it (retrying 503s as the caller chooses); answers the parsed body. */
  http(method: string, route: string, token: string, body?: unknown): Promise<any>;
  /** Polls the handoff until it is in one of these stages; answers its view. */
  until(handoffId: string, stages: string[]): Promise<any>;
  /** A bearer token of this principal (reviewers are made on first use). */
  tokenFor(principalId: string): Promise<string>;
}

/** Drives a started handoff to its completed milestone; each decision's round trip goes into decisionMs. Answers the review items it decided. */
export async function completeWorkedExample(api: ApiDriver, id: string, decisionMs: number[]): Promise<Array<{ id: string; routeTo: string }>> {
  const review = await api.until(id, ['in_review']);
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
  const awaiting = last?.stage === 'awaiting_signoff' && last.packet?.hash ? last : await api.until(id, ['awaiting_signoff']);
  for (const [who, role] of [['u-ben', 'sales'], ['u-chen', 'implementation']] as const) {
    last = await api.http('POST', `/handoffs/${id}/signoff`, await api.tokenFor(who), { role, packetVersion: awaiting.packet.version, packetHash: awaiting.packet.hash, requestId: `${id}-${role}` });
  }
  if (last.stage !== 'first_milestone') await api.until(id, ['first_milestone']);
  last = await api.http('POST', `/handoffs/${id}/milestone`, await api.tokenFor('u-chen'), { status: 'met', requestId: `${id}-milestone` });
  if (last.stage !== 'completed') await api.until(id, ['completed']);
  return review.reviewItems.map((item: { id: string; routeTo: string }) => ({ id: item.id, routeTo: item.routeTo }));
}
