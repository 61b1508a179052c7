import type { Pool } from 'pg';
import { Packet } from '../domain/packet';

/**
 * Stores a packet version once and answers with the stored one. The first write of a version wins:
 * a late attempt (an LLM activity that timed out while the rules fallback already stored the
 * version, or a retry after a lost completion) must not replace a packet the workflow has recorded
 * by hash, or the release fails on a hash mismatch.
 */
export async function savePacket(pool: Pool, packet: Packet): Promise<Packet> {
  const inserted = await pool.query(
    `INSERT INTO packets (handoff_id, version, hash, drafted_by, body) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (handoff_id, version) DO NOTHING RETURNING 1`,
    [packet.handoffId, packet.version, packet.hash, packet.draftedBy, packet],
  );
  if (inserted.rows[0]) return packet;
  // Lost to an earlier write: a new statement (its own snapshot) sees the committed winner.
  const stored = await loadPacket(pool, packet.handoffId, packet.version);
  if (!stored) throw new Error(`packet ${packet.handoffId} v${packet.version} was neither stored nor found`);
  return stored;
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
