import { PACKET_TOOL_NAME } from '../../src/activities/llm-drafter';
import { draftPacket } from '../../src/domain/draft';
import { evaluate, llmDrafterWith, loadHalf, usageSummary } from '../../eval/run';
import { draftFromRules, startFakeAnthropic, toolUseResponse, type FakeAnthropic } from '../support/fake-anthropic';

// `npm run eval -- --llm` on a local fake of the Messages endpoint, through the real SDK: the fake
// replays what a model answers (here, a draft that omits every implied promise), and the figures
// come from the verified packets, plus tokens and cost per packet.

let fake: FakeAnthropic | undefined;
afterAll(async () => {
  await fake?.close();
});

test('scores the LLM path on the corpus and reports tokens and cost per packet', async () => {
  const cases = loadHalf('dev').slice(0, 4);
  const byDeal = new Map(cases.map((c) => [c.bundle.dealId, draftPacket(c.bundle)]));
  fake = await startFakeAnthropic((request) => {
    const prompt = String(request.body.messages[0].content);
    const dealId = /Deal (\S+) for/.exec(prompt)?.[1] ?? '';
    const draft = draftFromRules(byDeal.get(dealId)!);
    // A model that forgets the implied promises: the verifier restores the rules' findings.
    return toolUseResponse(PACKET_TOOL_NAME, { ...draft, impliedPromises: [] }, { inputTokens: 5000, outputTokens: 2000 });
  });
  const drafter = llmDrafterWith({ apiKey: 'sk-ant-test', model: 'claude-test', maxTokens: 4096, timeoutMs: 5_000, baseURL: fake.baseURL });

  const llm = await evaluate(cases, drafter);
  const rules = await evaluate(cases, (b) => draftPacket(b));

  expect(fake.calls).toHaveLength(cases.length);
  expect(fake.requests[0].system[0].cache_control).toEqual({ type: 'ephemeral' });
  expect(llm.packets.every((p) => p.draftedBy === 'llm:claude-test')).toBe(true);
  expect(llm.packets.every((p) => (p.drafting?.restoredFindings ?? 0) > 0)).toBe(true);
  expect(llm.score.get('promises (all)')).toEqual(rules.score.get('promises (all)'));
  expect(usageSummary(llm.packets)).toEqual({ packets: 4, inputTokens: 5000, outputTokens: 2000, usd: (5000 * 3 + 2000 * 15) / 1e6 });
  expect(usageSummary(rules.packets)).toBeUndefined();
});
