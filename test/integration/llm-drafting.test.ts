import { draftPacket } from '../../src/domain/draft';
import { IntakeBundle } from '../../src/domain/intake';
import { redactBundle } from '../../src/domain/redact';
import { PACKET_TOOL_NAME } from '../../src/activities/llm-drafter';
import { draftFromRules, errorResponse, startFakeAnthropic, toolUseResponse, type FakeAnthropic, type FakeRequest } from '../support/fake-anthropic';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { inStage, startHandoff, waitForState } from '../support/start-handoff';

// The LLM path inside the workflow: the real SDK against a local fake Messages endpoint, a real
// worker and dev server. Retries are Temporal's activity retries; when the LLM fails for good the
// handoff falls back to the rules drafter, says so, and goes on.

type Script = (call: number) => ReturnType<typeof toolUseResponse>;

let fake: FakeAnthropic;
let h: Harness;
const scripts = new Map<string, Script>();
const callsFor = (dealId: string) => fake.calls.filter((c) => JSON.stringify(c.body).includes(dealId));

beforeAll(async () => {
  // Each deal gets its own scripted answers; the deal id is in every prompt.
  fake = await startFakeAnthropic((request: FakeRequest) => {
    const text = JSON.stringify(request.body);
    for (const [dealId, script] of scripts) {
      if (text.includes(dealId)) return script(callsFor(dealId).length - 1);
    }
    return errorResponse(500, 'api_error', 'unscripted deal');
  });
  h = await startHarness(
    { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: fake.baseURL, ANTHROPIC_MODEL: 'claude-test', ANTHROPIC_TIMEOUT_MS: 5_000 },
    { api: false },
  );
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

function goodDraftFor(raw: ReturnType<typeof loadSharedFixture>) {
  const bundle = redactBundle(IntakeBundle.parse(raw)).bundle;
  return draftFromRules(draftPacket(bundle));
}

test('a rate-limited first attempt is retried by Temporal and the LLM packet is used', async () => {
  const raw = withDealId(loadSharedFixture('worked-example'), 'llm429');
  const good = goodDraftFor(raw);
  scripts.set(raw.dealId, (call) =>
    call === 0 ? errorResponse(429, 'rate_limit_error', 'slow down') : toolUseResponse(PACKET_TOOL_NAME, good, { inputTokens: 3000, outputTokens: 1500 }),
  );
  const { handoffId, handle } = await startHandoff(h, raw);
  const review = await waitForState(h, handoffId, inStage('in_review'));
  expect(review.packet).toMatchObject({ draftedBy: 'llm:claude-test', version: 1 });
  expect(review.packet?.fallbackReason).toBeUndefined();
  // One HTTP request per activity attempt: the SDK itself never retried.
  expect(callsFor(raw.dealId)).toHaveLength(2);
  expect(review.reviewItems.some((i) => i.category === 'timeline_commitment')).toBe(true);
  const stored = await h.pool.query('SELECT drafted_by, body FROM packets WHERE handoff_id = $1', [handoffId]);
  expect(stored.rows[0].drafted_by).toBe('llm:claude-test');
  expect(stored.rows[0].body.drafting.usage).toEqual({ inputTokens: 3000, outputTokens: 1500 });
  await handle.terminate('test done');
});

test('a provider that keeps failing is tried three times, then the rules drafter stands in', async () => {
  const raw = withDealId(loadSharedFixture('worked-example'), 'llm500');
  scripts.set(raw.dealId, () => errorResponse(500, 'api_error', 'overloaded'));
  const { handoffId, handle } = await startHandoff(h, raw);
  const review = await waitForState(h, handoffId, inStage('in_review'), 45_000);
  expect(review.packet?.draftedBy).toBe('rules');
  expect(review.packet?.fallbackReason).toMatch(/500|overloaded/);
  expect(callsFor(raw.dealId)).toHaveLength(3);
  // The fallback packet is as complete as ever: the handoff goes on to review.
  expect(review.reviewItems.length).toBeGreaterThan(0);
  await handle.terminate('test done');
});

test('an invalid request is not retried: one call, then the rules drafter', async () => {
  const raw = withDealId(loadSharedFixture('worked-example'), 'llm400');
  scripts.set(raw.dealId, () => errorResponse(400, 'invalid_request_error', 'prompt is too long'));
  const { handoffId, handle } = await startHandoff(h, raw);
  const review = await waitForState(h, handoffId, inStage('in_review'));
  expect(review.packet?.draftedBy).toBe('rules');
  expect(review.packet?.fallbackReason).toMatch(/too long|400/);
  expect(callsFor(raw.dealId)).toHaveLength(1);
  await handle.terminate('test done');
});
