import { loadConfig, type Config } from '../../src/config';
import { createDraftingActivities, type DraftRequest } from '../../src/activities/drafting';
import { PACKET_TOOL_NAME } from '../../src/activities/llm-drafter';
import { createReleaseActivities } from '../../src/activities/release';
import { storeBundle } from '../../src/db/bundles';
import { loadPacket, savePacket } from '../../src/db/packets';
import { createPool, type Pool } from '../../src/db/pool';
import { draftPacket } from '../../src/domain/draft';
import { IntakeBundle } from '../../src/domain/intake';
import { finalizePacket } from '../../src/domain/packet-hash';
import { redactBundle } from '../../src/domain/redact';
import { draftFromRules, startFakeAnthropic, toolUseResponse, type FakeAnthropic } from '../support/fake-anthropic';
import { loadSharedFixture, withDealId } from '../support/fixtures';

// The drafting activities against real Postgres: a packet version is written once, and every
// attempt answers with the stored packet, so the hash the workflow records is the one release checks.

let pool: Pool;
let fake: FakeAnthropic;
const NOW = '2026-11-21T09:00:00.000Z';

beforeAll(async () => {
  pool = createPool(process.env.DATABASE_URL!);
  // A careful model: the rules' own findings as the tool input, so the LLM path yields a valid packet.
  const bundle = IntakeBundle.parse(loadSharedFixture('worked-example'));
  const answer = toolUseResponse(PACKET_TOOL_NAME, draftFromRules(draftPacket(redactBundle(bundle).bundle, { now: new Date(NOW) })));
  fake = await startFakeAnthropic(() => answer);
});
afterAll(async () => {
  await pool?.end();
  await fake?.close();
});

const rulesConfig = (): Config => ({ ...loadConfig(), ANTHROPIC_API_KEY: undefined });
const llmConfig = (): Config => ({ ...loadConfig(), ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: fake.baseURL, ANTHROPIC_MODEL: 'claude-test', ANTHROPIC_TIMEOUT_MS: 5_000 });

async function requestFor(suffix: string, version = 1): Promise<DraftRequest> {
  const bundle = IntakeBundle.parse(withDealId(loadSharedFixture('worked-example'), `${suffix}-${Date.now()}`));
  const bundleHash = await storeBundle(pool, redactBundle(bundle).bundle);
  return { handoffId: `handoff-${bundle.dealId}`, bundleHash, version, now: NOW };
}

const storedRows = async (handoffId: string) =>
  (await pool.query<{ version: number; hash: string; drafted_by: string }>('SELECT version, hash, drafted_by FROM packets WHERE handoff_id = $1 ORDER BY version', [handoffId])).rows;

test('a late LLM attempt after the rules fallback stored the version answers the stored packet and changes nothing', async () => {
  const request = await requestFor('late-llm');
  const rules = createDraftingActivities({ pool, config: rulesConfig() });
  const llm = createDraftingActivities({ pool, config: llmConfig() });

  // The workflow gave up on the LLM (its attempt timed out) and recorded the rules packet's hash.
  const fallback = await rules.draftPacketWithRules({ ...request, fallbackReason: 'activity StartToClose timeout' });
  expect(fallback.packet).toMatchObject({ version: 1, draftedBy: 'rules', fallbackReason: 'activity StartToClose timeout' });

  // The timed-out attempt finishes anyway: its model answer is valid and hashes differently.
  const callsBefore = fake.calls.length;
  const late = await llm.draftPacket(request);
  expect(fake.calls.length).toBe(callsBefore + 1);
  expect(late.packet).toEqual(fallback.packet);
  expect(late.reviewItems).toEqual(fallback.reviewItems);

  expect(await storedRows(request.handoffId)).toEqual([{ version: 1, hash: fallback.packet.hash, drafted_by: 'rules' }]);
  const stored = await loadPacket(pool, request.handoffId, 1);
  expect(stored?.drafting?.fallbackReason).toBe('activity StartToClose timeout');

  // The release checks the hash the workflow recorded: it is still the stored one.
  const { releaseKickoff } = createReleaseActivities({ pool, config: rulesConfig() });
  const released = await releaseKickoff({ handoffId: request.handoffId, customerName: 'Northwind Health', packetVersion: 1, packetHash: fallback.packet.hash, approvedItemIds: [] });
  expect(released.released).toBe(true);

  // Had the LLM attempt written first, its packet (a different hash) would have been the version.
  const next = await llm.draftPacket({ ...request, version: 2 });
  expect(next.packet.draftedBy).toBe('llm:claude-test');
  expect(next.packet.hash).not.toBe(fallback.packet.hash);
  expect((await storedRows(request.handoffId)).map((r) => r.drafted_by)).toEqual(['rules', 'llm:claude-test']);
});

test('a retried attempt whose first completion was lost answers the packet stored by the first', async () => {
  const request = await requestFor('retry');
  const llm = createDraftingActivities({ pool, config: llmConfig() });
  const first = await llm.draftPacket(request);
  // The retry drafts again (a model answer may differ); the stored version stands.
  await pool.query("UPDATE packets SET body = jsonb_set(body, '{drafting,usage,inputTokens}', '1') WHERE handoff_id = $1", [request.handoffId]);
  const retried = await llm.draftPacket(request);
  expect(retried.packet.hash).toBe(first.packet.hash);
  expect((await loadPacket(pool, request.handoffId, 1))?.drafting?.usage?.inputTokens).toBe(1);
  expect(await storedRows(request.handoffId)).toHaveLength(1);
});

test('two writers racing on one version both get the single stored packet', async () => {
  const request = await requestFor('race');
  const bundle = IntakeBundle.parse(withDealId(loadSharedFixture('worked-example'), 'race'));
  const content = draftPacket(redactBundle(bundle).bundle, { now: new Date(NOW) });
  const a = finalizePacket({ ...content, draftedBy: 'rules' }, { handoffId: request.handoffId, version: 1 });
  const b = finalizePacket({ ...content, draftedBy: 'llm:claude-test' }, { handoffId: request.handoffId, version: 1 });
  expect(a.hash).not.toBe(b.hash);

  const answers = await Promise.all([savePacket(pool, a), savePacket(pool, b), savePacket(pool, a), savePacket(pool, b)]);
  const rows = await storedRows(request.handoffId);
  expect(rows).toHaveLength(1);
  expect(answers.map((p) => p.hash)).toEqual(Array(4).fill(rows[0].hash));
});
