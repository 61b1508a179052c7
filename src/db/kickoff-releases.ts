import type { Pool } from 'pg';

// kickoff_releases: what the release activity (src/activities/release.ts) recorded in the system of
// record, read back exactly as it went out.

export interface ReleaseRow {
  packet_version: number;
  packet_hash: string;
  system: string | null;
  record_id: string | null;
  agenda: string[];
  customer_email: string;
  released_at: Date;
}

/** The release of this handoff's signed packet: version and hash, so no other run's row can answer. */
export async function readKickoffRelease(pool: Pool, handoffId: string, packetVersion: number, packetHash: string): Promise<ReleaseRow | undefined> {
  const { rows } = await pool.query<ReleaseRow>(
    `SELECT packet_version, packet_hash, system, record_id, agenda, customer_email, released_at
       FROM kickoff_releases WHERE handoff_id = $1 AND packet_version = $2 AND packet_hash = $3`,
    [handoffId, packetVersion, packetHash],
  );
  return rows[0];
}

export interface ReleaseRecord {
  handoffId: string;
  packetVersion: number;
  packetHash: string;
  system: string | null;
  recordId: string | null;
  agenda: unknown;
  customerEmail: string;
}

/** Records a release once per handoff and packet version; a retry gets the first row's time back. */
export async function recordKickoffRelease(pool: Pool, release: ReleaseRecord): Promise<Date> {
  const { rows } = await pool.query<{ released_at: Date }>(
    `INSERT INTO kickoff_releases (handoff_id, packet_version, packet_hash, system, record_id, agenda, customer_email)
     VALUES ($1,$2,$3,$4,$5,$6,$7)
     ON CONFLICT (handoff_id, packet_version) DO UPDATE SET packet_hash = kickoff_releases.packet_hash
     RETURNING released_at`,
    [release.handoffId, release.packetVersion, release.packetHash, release.system, release.recordId, JSON.stringify(release.agenda), release.customerEmail],
  );
  return rows[0].released_at;
}
