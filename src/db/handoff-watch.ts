import type { Pool } from 'pg';

// Long polls of GET /handoffs/:id?after=N&wait=S: a caller waits in the API until the handoff's read
// model row passes revision N, instead of polling over HTTP. All waits of one API process share one
// query per tick (revisions of every handoff waited on), so a hundred waiting clients cost ten small
// queries a second, not a thousand requests; it also sees writes of other API instances and workers.

const TICK_MS = 100;

interface Waiter {
  after: number;
  resolve(): void;
}

export class RevisionWatch {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pool: Pool, private readonly tickMs = TICK_MS) {}

  /** Resolves once the handoff's row holds a revision above `after`, or after `timeoutMs`. */
  wait(handoffId: string, after: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiters = this.waiters.get(handoffId) ?? new Set<Waiter>();
      this.waiters.set(handoffId, waiters);
      const waiter: Waiter = {
        after,
        resolve: () => {
          clearTimeout(timeout);
          waiters.delete(waiter);
          if (!waiters.size && this.waiters.get(handoffId) === waiters) this.waiters.delete(handoffId);
          resolve();
        },
      };
      const timeout = setTimeout(() => waiter.resolve(), timeoutMs);
      waiters.add(waiter);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || !this.waiters.size) return;
    this.timer = setTimeout(() => void this.tick(), this.tickMs);
    // A waiting client must not keep a stopping process alive; its wait ends with the server.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const ids = [...this.waiters.keys()];
    try {
      const { rows } = await this.pool.query<{ handoff_id: string; revision: string | null }>(
        'SELECT handoff_id, revision FROM handoffs WHERE handoff_id = ANY($1)',
        [ids],
      );
      for (const row of rows) {
        const revision = row.revision === null ? -Infinity : Number(row.revision);
        for (const waiter of [...(this.waiters.get(row.handoff_id) ?? [])]) if (revision > waiter.after) waiter.resolve();
      }
    } catch {
      // Postgres out of reach: every waiter answers what it has (its read then fails or succeeds on its own).
      for (const waiters of [...this.waiters.values()]) for (const waiter of [...waiters]) waiter.resolve();
    } finally {
      this.timer = undefined;
      this.schedule();
    }
  }
}

const watches = new WeakMap<Pool, RevisionWatch>();

/** The watch of this pool's database (one per API process and pool). */
export function revisionWatch(pool: Pool): RevisionWatch {
  let watch = watches.get(pool);
  if (!watch) watches.set(pool, (watch = new RevisionWatch(pool)));
  return watch;
}
