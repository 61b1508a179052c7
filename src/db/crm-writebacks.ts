import type { Pool } from 'pg';

// crm_writebacks: the CRM side of a kickoff release (src/activities/release.ts), one row per handoff
// and packet version, each step recorded as it succeeds so a retry does only what is left.

export interface WritebackRow {
  note_id: string | null;
  property_set_at: Date | null;
  rejected: string | null;
}

export interface WritebackKey {
  handoffId: string;
  packetVersion: number;
}

/** The version's row, created on the first attempt. */
export async function claimWriteback(pool: Pool, key: WritebackKey & { system: string; recordId: string }): Promise<WritebackRow> {
  const { rows } = await pool.query<WritebackRow>(
    `INSERT INTO crm_writebacks (handoff_id, packet_version, system, record_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (handoff_id, packet_version) DO UPDATE SET updated_at = now()
     RETURNING note_id, property_set_at, rejected`,
    [key.handoffId, key.packetVersion, key.system, key.recordId],
  );
  return rows[0];
}

export async function recordWritebackNote(pool: Pool, key: WritebackKey, noteId: string): Promise<void> {
  await pool.query('UPDATE crm_writebacks SET note_id = $3, updated_at = now() WHERE handoff_id = $1 AND packet_version = $2', [key.handoffId, key.packetVersion, noteId]);
}

export async function recordWritebackProperty(pool: Pool, key: WritebackKey): Promise<void> {
  await pool.query('UPDATE crm_writebacks SET property_set_at = now(), updated_at = now() WHERE handoff_id = $1 AND packet_version = $2', [key.handoffId, key.packetVersion]);
}

export async function recordWritebackRejected(pool: Pool, key: WritebackKey, reason: string): Promise<void> {
  await pool.query('UPDATE crm_writebacks SET rejected = $3, updated_at = now() WHERE handoff_id = $1 AND packet_version = $2', [key.handoffId, key.packetVersion, reason.slice(0, 1000)]);
}

/** The rows of one handoff, oldest version first (tests, support). */
export async function writebacksOf(pool: Pool, handoffId: string): Promise<Array<WritebackRow & { packet_version: number; record_id: string }>> {
  const { rows } = await pool.query('SELECT packet_version, record_id, note_id, property_set_at, rejected FROM crm_writebacks WHERE handoff_id = $1 ORDER BY packet_version', [handoffId]);
  return rows;
}
