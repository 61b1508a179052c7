import { savePacket } from '../db/packets';
import { draftPacket } from '../domain/draft';
import type { IntakeBundle } from '../domain/intake';
import { routingFrom } from '../domain/routing-table';
import type { OpenQuestion, PacketContent, ReviewItem } from '../domain/packet';
import { finalizePacket } from '../domain/packet-hash';
import { redactBundle } from '../domain/redact';
import type { PacketSummary } from '../domain/review';
import type { ProgressChanges } from '../db/read-model';
import { bundleFor } from './bundle';
import { writeProgressInOrder } from './records';
import type { ActivityDeps } from './deps';
import { draftWithLlm } from './llm-drafter';

export interface DraftRequest {
  handoffId: string;
  bundleHash: string;
  version: number;
  now: string;
  /** Set when the LLM path failed for good: the rules drafter stands in and says why. */
  fallbackReason?: string;
  /** The drafting stage's entry in the read model, written before drafting (one activity, not two). */
  progress?: ProgressChanges;
}

/** What the workflow keeps of a packet: enough to route and gate, never the texts. */
export interface DraftOutcome {
  packet: PacketSummary;
  reviewItems: Array<Omit<ReviewItem, 'sources'>>;
  openQuestions: OpenQuestion[];
  /** The first milestone's due date: the workflow follows the handoff until then. */
  firstMilestoneDue?: string;
}

/** The kickoff is what the release is for; the handoff follows the first milestone after it. */
export function firstMilestoneAfterKickoff(dues: string[], kickoffTarget?: string): string | undefined {
  const sorted = [...dues].sort();
  return sorted.find((due) => !kickoffTarget || due > kickoffTarget) ?? sorted[0];
}

export function createDraftingActivities({ pool, config }: ActivityDeps) {
  async function store(request: DraftRequest, content: PacketContent, kickoffTarget?: string): Promise<DraftOutcome> {
    // The stored packet is the one answered: when an earlier attempt stored this version first, the
    // workflow records that packet's hash, which is what signoff and release check against.
    const packet = await savePacket(pool, finalizePacket(content, { handoffId: request.handoffId, version: request.version }));
    return {
      packet: {
        version: packet.version,
        hash: packet.hash,
        draftedBy: packet.draftedBy,
        completeness: packet.completeness.score,
        impliedPromises: packet.impliedPromises.length,
        fallbackReason: packet.drafting?.fallbackReason,
      },
      reviewItems: packet.reviewItems.map(({ sources: _sources, ...item }: ReviewItem) => item),
      openQuestions: packet.openQuestions,
      firstMilestoneDue: firstMilestoneAfterKickoff(packet.firstMilestonePlan.map((m) => m.due), kickoffTarget),
    };
  }

  const rulesOptions = (request: DraftRequest, bundle: IntakeBundle) => ({
    now: new Date(request.now),
    policy: { staleAfterDays: config.STALE_AFTER_DAYS },
    routing: routingFrom(config.REVIEW_ROUTING, config.REVIEW_DIRECTORY, bundle.owners),
  });

  return {
    /** Drafts with Claude when ANTHROPIC_API_KEY is set, else with the rules drafter. */
    async draftPacket(request: DraftRequest): Promise<DraftOutcome> {
      if (request.progress) await writeProgressInOrder(pool, request.progress);
      const { bundle } = redactBundle(await bundleFor(pool, request.bundleHash));
      if (!config.ANTHROPIC_API_KEY) return store(request, draftPacket(bundle, rulesOptions(request, bundle)), bundle.kickoffTarget);
      const content = await draftWithLlm(bundle, {
        apiKey: config.ANTHROPIC_API_KEY,
        model: config.ANTHROPIC_MODEL,
        maxTokens: config.ANTHROPIC_MAX_TOKENS,
        timeoutMs: config.ANTHROPIC_TIMEOUT_MS,
        baseURL: config.ANTHROPIC_BASE_URL,
      }, rulesOptions(request, bundle));
      return store(request, content, bundle.kickoffTarget);
    },

    async draftPacketWithRules(request: DraftRequest): Promise<DraftOutcome> {
      if (request.progress) await writeProgressInOrder(pool, request.progress);
      const { bundle } = redactBundle(await bundleFor(pool, request.bundleHash));
      const content = draftPacket(bundle, rulesOptions(request, bundle));
      const drafting = { ...(content.drafting ?? { by: 'rules', droppedStatements: 0, restoredFindings: 0 }), fallbackReason: request.fallbackReason };
      return store(request, { ...content, drafting }, bundle.kickoffTarget);
    },
  };
}
