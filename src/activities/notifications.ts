import type { ActivityDeps } from './deps';

export interface Notification {
  /** handoff + item + kind + attempt: the same notice is written and sent once. */
  dedupeKey: string;
  handoffId: string;
  kind: 'reminder' | 'escalation' | 'question' | 'release_blocked';
  recipient: string;
  subject: string;
  itemId?: string;
}

export function createNotificationActivities({ pool, config }: ActivityDeps) {
  return {
    /**
     * Writes the outbox row once; delivers it to the webhook when one is configured. Answers when the
     * row was first written: the workflow reckons the next repeat from that real, recorded time.
     */
    async notify(n: Notification): Promise<{ at: string }> {
      await pool.query(
        `INSERT INTO notifications (dedupe_key, handoff_id, kind, recipient, body) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (dedupe_key) DO NOTHING`,
        [n.dedupeKey, n.handoffId, n.kind, n.recipient, { subject: n.subject, itemId: n.itemId }],
      );
      const { rows } = await pool.query<{ delivered_at: Date | null; created_at: Date }>('SELECT delivered_at, created_at FROM notifications WHERE dedupe_key = $1', [n.dedupeKey]);
      const written = { at: rows[0].created_at.toISOString() };
      if (!config.NOTIFY_WEBHOOK_URL || rows[0].delivered_at) return written;
      // A failed delivery throws: the activity retry policy tries again, the row stays written once.
      const response = await fetch(config.NOTIFY_WEBHOOK_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': n.dedupeKey },
        body: JSON.stringify(n),
      });
      if (!response.ok) throw new Error(`notification webhook answered ${response.status}`);
      await pool.query('UPDATE notifications SET delivered_at = now() WHERE dedupe_key = $1', [n.dedupeKey]);
      return written;
    },
  };
}
