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
    /** Writes the outbox row once; delivers it to the webhook when one is configured. */
    async notify(n: Notification): Promise<void> {
      await pool.query(
        `INSERT INTO notifications (dedupe_key, handoff_id, kind, recipient, body) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (dedupe_key) DO NOTHING`,
        [n.dedupeKey, n.handoffId, n.kind, n.recipient, { subject: n.subject, itemId: n.itemId }],
      );
      if (!config.NOTIFY_WEBHOOK_URL) return;
      const { rows } = await pool.query<{ delivered_at: Date | null }>('SELECT delivered_at FROM notifications WHERE dedupe_key = $1', [n.dedupeKey]);
      if (rows[0]?.delivered_at) return;
      // A failed delivery throws: the activity retry policy tries again, the row stays written once.
      const response = await fetch(config.NOTIFY_WEBHOOK_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': n.dedupeKey },
        body: JSON.stringify(n),
      });
      if (!response.ok) throw new Error(`notification webhook answered ${response.status}`);
      await pool.query('UPDATE notifications SET delivered_at = now() WHERE dedupe_key = $1', [n.dedupeKey]);
    },
  };
}
