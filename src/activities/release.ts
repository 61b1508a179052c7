import { ApplicationFailure } from '@temporalio/common';
import { loadPacket } from '../db/packets';
import { buildKickoffMaterials, reviewItemFor, unapprovedPromisesIn } from '../domain/kickoff';
import { bundleFor } from './bundle';
import type { ActivityDeps } from './deps';

export interface ReleaseRequest {
  handoffId: string;
  customerName: string;
  /** The current bundle: its kickoff date and system of record win over the ones given at start. */
  bundleHash?: string;
  kickoffTarget?: string;
  packetVersion: number;
  packetHash: string;
  approvedItemIds: string[];
  systemOfRecord?: { system: string; recordId: string };
}

export type ReleaseOutcome =
  | { released: true; releasedAt: string }
  | { released: false; blockingItemIds: string[]; reason: string };

export function createReleaseActivities({ pool, config }: ActivityDeps) {
  return {
    /** Builds kickoff materials from approved content and records the release, once per packet version. */
    async releaseKickoff(request: ReleaseRequest): Promise<ReleaseOutcome> {
      const packet = await loadPacket(pool, request.handoffId, request.packetVersion);
      if (!packet || packet.hash !== request.packetHash) {
        throw ApplicationFailure.nonRetryable(`packet ${request.handoffId} v${request.packetVersion} not found or changed`, 'PacketMismatch');
      }
      const bundle = request.bundleHash ? await bundleFor(pool, request.bundleHash) : undefined;
      const kickoffTarget = bundle?.kickoffTarget ?? request.kickoffTarget;
      const systemOfRecord = bundle?.systemOfRecord ?? request.systemOfRecord;
      const approved = new Set(request.approvedItemIds);
      let materials: ReturnType<typeof buildKickoffMaterials>;
      try {
        materials = buildKickoffMaterials(packet, approved, request.customerName, kickoffTarget);
      } catch (err) {
        // Building is pure: what fails here fails on every retry, so the workflow asks a person.
        throw ApplicationFailure.nonRetryable(`kickoff materials cannot be built: ${(err as Error).message}`, 'InvalidHandoffData');
      }
      const leaks = unapprovedPromisesIn(materials, packet, approved);
      if (leaks.length) {
        const blockingItemIds = leaks.map((p) => reviewItemFor(packet, p)?.id).filter((id): id is string => !!id);
        return { released: false, blockingItemIds, reason: `unapproved promise in kickoff material: ${leaks[0].statement}` };
      }
      const { rows } = await pool.query<{ released_at: Date }>(
        `INSERT INTO kickoff_releases (handoff_id, packet_version, packet_hash, system, record_id, agenda, customer_email)
         VALUES ($1,$2,$3,$4,$5,$6,$7)
         ON CONFLICT (handoff_id, packet_version) DO UPDATE SET packet_hash = kickoff_releases.packet_hash
         RETURNING released_at`,
        [request.handoffId, request.packetVersion, request.packetHash, systemOfRecord?.system ?? null,
          systemOfRecord?.recordId ?? null, JSON.stringify(materials.agenda), materials.customerEmail],
      );
      if (config.SYSTEM_OF_RECORD_WEBHOOK_URL) {
        // A failed call throws, and the activity retry policy tries again; the row above is idempotent.
        const response = await fetch(config.SYSTEM_OF_RECORD_WEBHOOK_URL, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `${request.handoffId}:v${request.packetVersion}` },
          body: JSON.stringify({ event: 'kickoff_released', handoffId: request.handoffId, packetVersion: request.packetVersion, systemOfRecord }),
        });
        if (!response.ok) throw new Error(`system-of-record webhook answered ${response.status}`);
      }
      return { released: true, releasedAt: rows[0].released_at.toISOString() };
    },
  };
}
