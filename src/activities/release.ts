import { ApplicationFailure } from '@temporalio/common';
import type { Client as HubspotClient } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes';
import { log } from '@temporalio/activity';
import { claimWriteback, recordWritebackNote, recordWritebackProperty, recordWritebackRejected } from '../db/crm-writebacks';
import { recordKickoffRelease } from '../db/kickoff-releases';
import { loadPacket } from '../db/packets';
import { buildKickoffMaterials, reviewItemFor, unapprovedPromisesIn } from '../domain/kickoff';
import type { ProgressChanges } from '../db/read-model';
import { bundleFor } from './bundle';
import { writeProgressInOrder } from './records';
import type { ActivityDeps } from './deps';
import { hubspotClient, hubspotFailure } from './hubspot';

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
  /** The release stage's entry in the read model, written first (one activity, not two). */
  progress?: ProgressChanges;
}

export type ReleaseOutcome =
  | { released: true; releasedAt: string }
  | { released: false; blockingItemIds: string[]; reason: string };

const isHubspot = (system: string) => system.trim().toLowerCase() === 'hubspot';

/** HubSpot's own association type: note → deal. */
const NOTE_TO_DEAL = 214;
const REJECTED = 'CrmRecordRejected';

/** The id of a note on the deal carrying the marker: one an earlier attempt created but did not record. */
async function noteWithMarker(client: HubspotClient, dealId: string, marker: string): Promise<string | undefined> {
  const deal = await client.crm.deals.basicApi.getById(dealId, ['dealname'], undefined, ['notes']);
  const ids = (deal.associations?.notes?.results ?? []).map((r) => ({ id: r.id }));
  if (!ids.length) return undefined;
  const notes = await client.crm.objects.notes.batchApi.read({ inputs: ids, properties: ['hs_note_body'], propertiesWithHistory: [] });
  return notes.results.find((n) => (n.properties.hs_note_body ?? '').includes(marker))?.id;
}

/**
 * The release, told to the HubSpot deal: a note (stage, packet version and hash, links) and the
 * configured deal property, each once per handoff and version (crm_writebacks). HubSpot down, 429 or a
 * token being fixed: the activity throws and Temporal retries. A deal HubSpot refuses for good (deleted,
 * an unknown property) is recorded as rejected and the release goes on: the kickoff is not held hostage.
 */
async function writeBackToHubspot(
  { pool, config }: Pick<ActivityDeps, 'pool' | 'config'>,
  release: { handoffId: string; packetVersion: number; packetHash: string; recordId: string; releasedAt: Date },
): Promise<void> {
  const key = { handoffId: release.handoffId, packetVersion: release.packetVersion };
  const row = await claimWriteback(pool, { ...key, system: 'hubspot', recordId: release.recordId });
  const property = config.HUBSPOT_WRITEBACK_PROPERTY.trim();
  if (row.rejected || (row.note_id && (row.property_set_at || !property))) return;
  const client = hubspotClient(config);
  const marker = `[handoff ${release.handoffId} v${release.packetVersion}]`;
  const apiUrl = config.PUBLIC_API_URL ?? `http://${config.HOST}:${config.PORT}`;
  const link = `${apiUrl.replace(/\/$/, '')}/handoffs/${encodeURIComponent(release.handoffId)}`;
  const ui = `${config.TEMPORAL_UI_URL}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(release.handoffId)}`;
  try {
    if (!row.note_id) {
      const noteId =
        (await noteWithMarker(client, release.recordId, marker)) ??
        (await client.crm.objects.notes.basicApi.create({
          properties: {
            hs_timestamp: release.releasedAt.toISOString(),
            // Ids, versions, hashes and links only: nothing from the evidence reaches the CRM.
            hs_note_body:
              `<p><strong>Kickoff materials released</strong> ${marker}</p>` +
              `<p>Stage: first_milestone (kickoff released). Packet version ${release.packetVersion}, ${release.packetHash}.</p>` +
              `<p>Handoff: <a href="${link}">${link}</a> · Workflow: <a href="${ui}">${ui}</a></p>`,
          },
          associations: [{ to: { id: release.recordId }, types: [{ associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: NOTE_TO_DEAL }] }],
        })).id;
      await recordWritebackNote(pool, key, noteId);
    }
    if (property && !row.property_set_at) {
      await client.crm.deals.basicApi.update(release.recordId, { properties: { [property]: `released v${release.packetVersion}` } });
      await recordWritebackProperty(pool, key);
    }
  } catch (err) {
    const failure = hubspotFailure(err, `writing the release back to HubSpot deal ${release.recordId}`, REJECTED);
    if (!(failure instanceof ApplicationFailure && failure.type === REJECTED)) throw failure;
    log.warn('HubSpot refused the write-back; recorded, not retried', { handoffId: release.handoffId, reason: failure.message });
    await recordWritebackRejected(pool, key, failure.message);
  }
}

export function createReleaseActivities({ pool, config }: ActivityDeps) {
  return {
    /** Builds kickoff materials from approved content and records the release, once per packet version. */
    async releaseKickoff(request: ReleaseRequest): Promise<ReleaseOutcome> {
      if (request.progress) await writeProgressInOrder(pool, request.progress);
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
      const releasedAt = await recordKickoffRelease(pool, {
        handoffId: request.handoffId, packetVersion: request.packetVersion, packetHash: request.packetHash,
        system: systemOfRecord?.system ?? null, recordId: systemOfRecord?.recordId ?? null,
        agenda: materials.agenda, customerEmail: materials.customerEmail,
      });
      if (systemOfRecord && isHubspot(systemOfRecord.system) && config.HUBSPOT_ACCESS_TOKEN) {
        await writeBackToHubspot({ pool, config }, { ...request, recordId: systemOfRecord.recordId, releasedAt });
      }
      if (config.SYSTEM_OF_RECORD_WEBHOOK_URL) {
        // A failed call throws, and the activity retry policy tries again; the row above is idempotent.
        const response = await fetch(config.SYSTEM_OF_RECORD_WEBHOOK_URL, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `${request.handoffId}:v${request.packetVersion}` },
          body: JSON.stringify({ event: 'kickoff_released', handoffId: request.handoffId, packetVersion: request.packetVersion, systemOfRecord }),
        });
        if (!response.ok) throw new Error(`system-of-record webhook answered ${response.status}`);
      }
      return { released: true, releasedAt: releasedAt.toISOString() };
    },
  };
}
