import type { Pool } from 'pg';
import { Packet } from '../domain/packet';

export async function savePacket(pool: Pool, packet: Packet): Promise<void> {
  // Idempotent on (handoff, version): a retried drafting activity rewrites the same row.
  await pool.query(
    `INSERT INTO packets (handoff_id, version, hash, drafted_by, body) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (handoff_id, version) DO UPDATE SET hash = EXCLUDED.hash, drafted_by = EXCLUDED.drafted_by, body = EXCLUDED.body`,
    [packet.handoffId, packet.version, packet.hash, packet.draftedBy, packet],
  );
}

/** The given version, or the latest when none is given. */
export async function loadPacket(pool: Pool, handoffId: string, version?: number): Promise<Packet | undefined> {
  const { rows } = await pool.query<{ body: Packet }>(
    version === undefined
      ? 'SELECT body FROM packets WHERE handoff_id = $1 ORDER BY version DESC LIMIT 1'
      : 'SELECT body FROM packets WHERE handoff_id = $1 AND version = $2',
    version === undefined ? [handoffId] : [handoffId, version],
  );
  return rows[0] ? Packet.parse(rows[0].body) : undefined;
}
