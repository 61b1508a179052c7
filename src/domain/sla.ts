// Review SLAs: a reminder to the assignee at reminderAfter, an escalation at escalateAfter, and
// both repeated every repeatEvery while the item stays pending. Pure time arithmetic.

export interface Sla {
  reminderAfterS: number;
  escalateAfterS: number;
  repeatEveryS: number;
}

export interface Followed {
  remindAt?: string;
  escalateAt?: string;
  notices?: { reminders: number; escalations: number; lastAt?: string };
}

const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** The first reminder and escalation times of something routed at `routedAt`. */
export function firstFollowUps(routedAt: string, sla: Sla): { remindAt: string; escalateAt: string } {
  return { remindAt: plus(routedAt, sla.reminderAfterS), escalateAt: plus(routedAt, sla.escalateAfterS) };
}

/** The earliest follow-up among the pending ones, in epoch ms. */
export function nextFollowUpAt(pending: Followed[]): number | undefined {
  let next: number | undefined;
  for (const p of pending) {
    for (const at of [p.remindAt, p.escalateAt]) {
      if (at && (next === undefined || Date.parse(at) < next)) next = Date.parse(at);
    }
  }
  return next;
}

export type FollowUpKind = 'reminder' | 'escalation';

/** Which follow-ups are due at `now`; each comes with the attempt number that makes it idempotent. */
export function dueFollowUps(p: Followed, now: number): Array<{ kind: FollowUpKind; attempt: number }> {
  const due: Array<{ kind: FollowUpKind; attempt: number }> = [];
  if (p.remindAt && Date.parse(p.remindAt) <= now) due.push({ kind: 'reminder', attempt: (p.notices?.reminders ?? 0) + 1 });
  if (p.escalateAt && Date.parse(p.escalateAt) <= now) due.push({ kind: 'escalation', attempt: (p.notices?.escalations ?? 0) + 1 });
  return due;
}

/**
 * Records a sent follow-up and schedules its repeat on the original rhythm. Repeats that fell due
 * while nobody could send them (a long worker outage) are skipped, not sent in a burst.
 */
export function markSent(p: Followed, kind: FollowUpKind, nowIso: string, sla: Sla): void {
  const notices = (p.notices ??= { reminders: 0, escalations: 0 });
  notices.lastAt = nowIso;
  const next = (due: string | undefined) => {
    let at = plus(due ?? nowIso, sla.repeatEveryS);
    while (Date.parse(at) <= Date.parse(nowIso)) at = plus(at, sla.repeatEveryS);
    return at;
  };
  if (kind === 'reminder') {
    notices.reminders += 1;
    p.remindAt = next(p.remindAt);
  } else {
    notices.escalations += 1;
    p.escalateAt = next(p.escalateAt);
  }
}
