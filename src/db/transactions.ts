import type { Pool, PoolClient } from 'pg';

// Transactions that serialize one decision across API instances with pg_advisory_xact_lock, on one
// pooled connection the caller holds (a holder that waited for a second one froze the API once).

/** The pool gave no connection in time. */
export class NoConnection extends Error {}
/** The advisory lock was not granted within LOCK_TIMEOUT (someone else holds it). */
export class LockTimedOut extends Error {}

const LOCK_TIMEOUT = '10s';
/** Postgres' answers for a lock wait that ran out (lock_timeout) and a cancelled statement. */
const LOCK_TIMED_OUT = new Set(['55P03', '57014']);
/** Connections whose transaction could not be rolled back: closed on release, never handed on holding a lock. */
const broken = new WeakMap<PoolClient, Error>();

export async function connect(pool: Pool): Promise<PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw new NoConnection((err as Error).message, { cause: err });
  }
}

/** Gives the connection back to the pool, or closes it when a rollback on it failed. */
export function release(client: PoolClient): void {
  client.release(broken.get(client));
}

/** Runs work in one transaction on client, holding the advisory lock named lockKey until it commits. */
export async function inLockedTransaction<T>(client: PoolClient, lockKey: string, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => broken.set(client, rollbackErr));
    if (LOCK_TIMED_OUT.has((err as { code?: string }).code ?? '')) throw new LockTimedOut(`lock ${lockKey} not granted`, { cause: err });
    throw err;
  }
}
