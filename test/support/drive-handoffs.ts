import { Worker } from '@temporalio/worker';
import { createToken } from '../../src/db/tokens';
import type { Actor, HandoffState } from '../../src/domain/review';
import {
  answerQuestionUpdate,
  decideReviewItemUpdate,
  milestoneStatusUpdate,
  requestChangesUpdate,
  signoffUpdate,
  stateQuery,
} from '../../src/workflows/definitions';
import type { Harness } from './harness';
import { bundleWith } from './start-handoff';

// Drives handoffs through their whole lifecycle straight through Temporal, sending each round's
// updates all at once, as busy people would; used by the concurrency and crash tests.

const actor = (id: string): Actor => ({ id, roles: ['reviewer', 'implementation', 'sales'] });
const settle = (promises: Array<Promise<unknown>>) => Promise.allSettled(promises);
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function state(h: Harness, handoffId: string): Promise<HandoffState> {
  return h.client.workflow.getHandle(handoffId).query(stateQuery);
}

/** Waits until the read model shows at least this revision (an update's ack names it). */
export async function seenRevision(h: Harness, handoffId: string, revision: number, timeoutMs = 10_000): Promise<HandoffState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await seen(h, handoffId);
    if (s && (s.revision ?? 0) >= revision) return s;
    if (Date.now() > deadline) throw new Error(`${handoffId} never showed revision ${revision}; last ${s?.revision}`);
    await pause(20);
  }
}

/**
 * What people see: the read model the workflow writes after each step (as the API reads it). It is
 * written by an activity, so it only shows a step whose workflow task has completed; acting on a
 * state query answered mid-task is an ops shortcut, not what the people in the loop do.
 */
export async function seen(h: Harness, handoffId: string): Promise<HandoffState | undefined> {
  const { rows } = await h.pool.query<{ state: HandoffState | null }>('SELECT state FROM handoffs WHERE handoff_id = $1', [handoffId]);
  return rows[0]?.state ?? undefined;
}

/**
 * One round of review: every pending decision and blocking answer at once (and a change request for
 * some). The worked example's unowned dependency is such a question, asked of the handoff owner.
 */
async function reviewRound(h: Harness, handoffId: string, s: HandoffState, askForChanges: boolean): Promise<void> {
  const handle = h.client.workflow.getHandle(handoffId);
  const version = s.packet!.version;
  const sends: Array<Promise<unknown>> = [];
  for (const item of s.reviewItems.filter((i) => !i.decision)) {
    sends.push(handle.executeUpdate(decideReviewItemUpdate, {
      args: [{ itemId: item.id, decision: item.blocking ? 'approved' : 'rejected', packetVersion: version, requestId: `${handoffId}-${item.id}-v${version}`, actor: actor(item.routeTo) }],
    }));
  }
  for (const q of s.openQuestions.filter((q) => q.blocking && !q.answer)) {
    sends.push(handle.executeUpdate(answerQuestionUpdate, {
      args: [{ questionId: q.id, answer: 'Confirmed with the buyer.', requestId: `${handoffId}-${q.id}-v${version}`, actor: actor(q.askedOf ?? 'u-ana') }],
    }));
  }
  if (askForChanges) {
    const comment = 'Name the data extraction owner.';
    const bundleHash = await bundleWith(h, s.bundleHash, [{ id: `changes-v${version}`, kind: 'other', capturedAt: new Date().toISOString(), text: comment }]);
    sends.push(handle.executeUpdate(requestChangesUpdate, {
      args: [{ comment, packetVersion: version, bundleHash, requestId: `${handoffId}-changes-v${version}`, actor: actor('u-chen') }],
    }));
  }
  // Some are refused (the redraft made a decision stale): that is the validators' job, not a failure.
  await settle(sends);
}

async function signRound(h: Harness, handoffId: string, s: HandoffState): Promise<void> {
  const handle = h.client.workflow.getHandle(handoffId);
  await settle((['sales', 'implementation'] as const).map((role) => handle.executeUpdate(signoffUpdate, {
    args: [{ role, packetVersion: s.packet!.version, packetHash: s.packet!.hash, requestId: `${handoffId}-sign-${role}-v${s.packet!.version}`, actor: actor(role === 'sales' ? 'u-ben' : 'u-chen') }],
  })));
}

/** Drives one handoff to completion, acting on whatever stage it is in. */
export async function drive(
  h: Harness, handoffId: string, index: number, timeoutMs = 180_000,
  /** A slow reviewer: runs before the first review round (a pause, or waiting for a reminder). */
  beforeFirstReview?: () => Promise<unknown>,
): Promise<HandoffState> {
  let delayed = beforeFirstReview === undefined;
  const deadline = Date.now() + timeoutMs;
  let changesAsked = index % 4 !== 0;
  let acted = '';
  let actedAt = 0;
  while (Date.now() < deadline) {
    const s = await seen(h, handoffId).catch(() => undefined);
    if (!s) {
      await pause(250);
      continue;
    }
    const at = `${s.stage}:${s.packet?.version}:${s.reviewItems.filter((i) => !i.decision).length}:${s.openQuestions.filter((q) => q.blocking && !q.answer).length}:${Object.keys(s.signoffs).length}`;
    if (s.stage === 'completed' || s.stage === 'cancelled') return s;
    // An update lost with a killed worker is sent again (same request ids) when nothing moved for a while.
    if (at !== acted || Date.now() - actedAt > 3_000) {
      actedAt = Date.now();
      if (s.stage === 'in_review') {
        // A slow reviewer: the item's reminder and escalation fall due before the decision.
        if (!delayed) {
          delayed = true;
          await beforeFirstReview!();
        }
        await reviewRound(h, handoffId, s, !changesAsked);
        changesAsked = true;
        acted = at;
      } else if (s.stage === 'awaiting_signoff') {
        await signRound(h, handoffId, s);
        acted = at;
      } else if (s.stage === 'first_milestone') {
        await h.client.workflow.getHandle(handoffId).executeUpdate(milestoneStatusUpdate, {
          args: [{ status: 'met', requestId: `${handoffId}-milestone`, actor: actor('u-chen') }],
        }).catch(() => undefined);
        acted = at;
      }
    }
    await pause(400);
  }
  if (process.env.HANDOFF_DUMP_HISTORIES) dumpHistory(h, handoffId);
  throw new Error(`${handoffId} did not complete; last state ${JSON.stringify(await state(h, handoffId).catch((e) => String(e)))}`);
}

/** Replays every handoff's history through the current workflow code; answers the failures. */
export async function replayAll(h: Harness, ids: string[]): Promise<string[]> {
  const query = `WorkflowId IN (${ids.map((id) => `'${id}'`).join(',')})`;
  const histories = h.client.workflow.list({ query }).intoHistories();
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: process.env.HANDOFF_TEST_WORKFLOW_BUNDLE! } }, histories)) {
    replayed += 1;
    if (result.error) {
      failures.push(`${result.workflowId}: ${result.error.message}`);
      // HANDOFF_DUMP_HISTORIES=<dir> keeps the failing histories for a closer look.
      if (process.env.HANDOFF_DUMP_HISTORIES) dumpHistory(h, result.workflowId);
    }
  }
  if (replayed !== ids.length) failures.push(`replayed ${replayed} of ${ids.length} histories`);
  return failures;
}

function dumpHistory(h: Harness, workflowId: string): void {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  const { ensureTemporalCli } = require('../../src/dev/temporal-cli') as typeof import('../../src/dev/temporal-cli');
  const out = execFileSync(ensureTemporalCli(), ['workflow', 'show', '--workflow-id', workflowId, '--address', h.config.TEMPORAL_ADDRESS, '--output', 'json']);
  require('node:fs').writeFileSync(`${process.env.HANDOFF_DUMP_HISTORIES}/${workflowId}.json`, out);
}


/**
 * HTTP calls spread over several API instances, each call to the next one in turn: a load balancer
 * in front of API replicas. `calls` counts what each instance answered.
 */
export interface ApiRoundRobin {
  urls: string[];
  calls: number[];
  call(method: string, route: string, token: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export function roundRobin(urls: string[]): ApiRoundRobin {
  let next = 0;
  const calls = urls.map(() => 0);
  return {
    urls,
    calls,
    async call(method, route, token, body) {
      const i = next++ % urls.length;
      const res = await fetch(`${urls[i]}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      calls[i] += 1;
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // problem+json and JSON parse; anything else stays text.
      }
      return { status: res.status, body: parsed };
    },
  };
}

/**
 * drive(), as people do it: every read and action through the HTTP API (in turn over the given
 * instances), with each person's own token. A call that fails (an instance or Temporal restarting)
 * is simply made again on the next pass, with the same request id.
 */
export async function driveViaApi(
  h: Harness, api: ApiRoundRobin, handoffId: string, index: number, timeoutMs = 180_000,
  beforeFirstReview?: () => Promise<unknown>,
): Promise<HandoffState> {
  const tokens = new Map<string, Promise<string>>(Object.entries(h.tokens).map(([id, token]) => [id, Promise.resolve(token)]));
  const tokenOf = (id: string) => {
    if (!tokens.has(id)) tokens.set(id, createToken(h.pool, { id, name: id, roles: ['reviewer'] }));
    return tokens.get(id)!;
  };
  const post = async (route: string, who: string, body: unknown) => api.call('POST', route, await tokenOf(who), body).catch(() => undefined);
  let delayed = beforeFirstReview === undefined;
  let changesAsked = index % 4 !== 0;
  let acted = '';
  let actedAt = 0;
  let last: unknown;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await api.call('GET', `/handoffs/${handoffId}`, h.tokens.admin).catch((err: unknown) => ({ status: 0, body: String(err) }));
    last = res.body;
    if (res.status !== 200) {
      await pause(250);
      continue;
    }
    const s = res.body as HandoffState;
    if (s.stage === 'completed' || s.stage === 'cancelled') return s;
    const at = `${s.stage}:${s.packet?.version}:${s.reviewItems.filter((i) => !i.decision).length}:${s.openQuestions.filter((q) => q.blocking && !q.answer).length}:${Object.keys(s.signoffs).length}`;
    if (at !== acted || Date.now() - actedAt > 3_000) {
      actedAt = Date.now();
      const base = `/handoffs/${handoffId}`;
      if (s.stage === 'in_review') {
        if (!delayed) {
          delayed = true;
          await beforeFirstReview!();
        }
        const version = s.packet!.version;
        const sends: Array<Promise<unknown>> = [];
        for (const item of s.reviewItems.filter((i) => !i.decision)) {
          sends.push(post(`${base}/review-items/${item.id}/decision`, item.routeTo, {
            decision: item.blocking ? 'approved' : 'rejected', packetVersion: version, requestId: `${handoffId}-${item.id}-v${version}`,
          }));
        }
        for (const q of s.openQuestions.filter((q) => q.blocking && !q.answer)) {
          sends.push(post(`${base}/questions/${q.id}/answer`, q.askedOf ?? 'u-ana', { answer: 'Confirmed with the buyer.', requestId: `${handoffId}-${q.id}-v${version}` }));
        }
        if (!changesAsked) {
          sends.push(post(`${base}/changes`, 'u-chen', { comment: 'Name the data extraction owner.', packetVersion: version, requestId: `${handoffId}-changes-v${version}` }));
        }
        changesAsked = true;
        // Some are refused (the redraft made a decision stale): that is the validators' job, not a failure.
        await settle(sends);
        acted = at;
      } else if (s.stage === 'awaiting_signoff') {
        await settle((['sales', 'implementation'] as const).map((role) => post(`${base}/signoff`, role === 'sales' ? 'u-ben' : 'u-chen', {
          role, packetVersion: s.packet!.version, packetHash: s.packet!.hash, requestId: `${handoffId}-sign-${role}-v${s.packet!.version}`,
        })));
        acted = at;
      } else if (s.stage === 'first_milestone') {
        await post(`${base}/milestone`, 'u-chen', { status: 'met', requestId: `${handoffId}-milestone` });
        acted = at;
      }
    }
    await pause(400);
  }
  throw new Error(`${handoffId} did not complete through the API; last answer ${JSON.stringify(last).slice(0, 2000)}`);
}
