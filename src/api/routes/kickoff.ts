import { z } from 'zod';
import { readKickoffRelease } from '../../db/kickoff-releases';
import { requireViewer, viewers } from '../access';
import { notFound } from '../problem';
import { defineRoute } from '../route-table';
import { HandoffParams } from '../schemas';

// The kickoff material as released: what the customer was sent and what the kickoff covers, read
// back from the system-of-record row the release wrote (never rebuilt, so it is exactly what went out).

export const KickoffRelease = z
  .object({
    handoffId: z.string(),
    packetVersion: z.number().int().describe('the signed packet version the material was built from'),
    packetHash: z.string(),
    releasedAt: z.iso.datetime(),
    systemOfRecord: z.object({ system: z.string(), recordId: z.string() }).nullable().describe('where the release was recorded, when the deal names a system of record'),
    agenda: z.array(z.string()),
    customerEmail: z.string().describe('plain text, built from approved content only'),
  })
  .meta({ id: 'KickoffRelease', description: 'The released kickoff agenda and customer email' });

export const getKickoff = defineRoute({
  method: 'get',
  path: '/handoffs/:id/kickoff',
  operationId: 'getKickoff',
  summary: 'The released kickoff agenda and customer email',
  description: '404 until both signoffs are in and the kickoff is released.',
  tag: 'handoffs',
  auth: 'any',
  who: `${viewers.describe} (others: 404)`,
  params: HandoffParams,
  authorize: requireViewer(),
  responses: { 200: { description: 'The release', schema: KickoffRelease } },
  errors: [404],
  async handler({ deps, params, loaded, res }) {
    const { release, packet } = loaded.state;
    if (!release || !packet) throw notFound(`handoff ${params.id} has not released its kickoff yet`);
    // The release of this handoff's signed packet: version and hash, so no other run's row can answer.
    const row = await readKickoffRelease(deps.pool, params.id, release.packetVersion, packet.hash);
    if (!row) throw notFound(`handoff ${params.id} has no recorded kickoff release for packet version ${release.packetVersion}`);
    res.json(
      KickoffRelease.parse({
        handoffId: params.id,
        packetVersion: row.packet_version,
        packetHash: row.packet_hash,
        releasedAt: row.released_at.toISOString(),
        systemOfRecord: row.system && row.record_id ? { system: row.system, recordId: row.record_id } : null,
        agenda: row.agenda,
        customerEmail: row.customer_email,
      }),
    );
  },
});
