import { dueFollowUps, firstFollowUps, markSent, nextFollowUpAt, type Followed, type Sla } from '../../src/domain/sla';

// Review SLAs as pure time arithmetic: a reminder at reminderAfter, an escalation at escalateAfter,
// both repeated every repeatEvery while the item is pending.

const HOUR = 3600;
const sla: Sla = { reminderAfterS: 24 * HOUR, escalateAfterS: 48 * HOUR, repeatEveryS: 12 * HOUR };
const ROUTED = '2026-11-21T09:00:00.000Z';
const ms = (iso: string) => Date.parse(iso);
const at = (hoursAfterRouting: number) => ms(ROUTED) + hoursAfterRouting * HOUR * 1000;
const iso = (hoursAfterRouting: number) => new Date(at(hoursAfterRouting)).toISOString();

describe('firstFollowUps', () => {
  it('schedules the reminder at reminderAfter and the escalation at escalateAfter from routing', () => {
    expect(firstFollowUps(ROUTED, sla)).toEqual({ remindAt: '2026-11-22T09:00:00.000Z', escalateAt: '2026-11-23T09:00:00.000Z' });
  });

  it('works in seconds, as the tests configure it', () => {
    expect(firstFollowUps('2026-11-21T09:00:00Z', { reminderAfterS: 2, escalateAfterS: 5, repeatEveryS: 3 })).toEqual({
      remindAt: '2026-11-21T09:00:02.000Z',
      escalateAt: '2026-11-21T09:00:05.000Z',
    });
  });

  it('normalises an offset timestamp to UTC', () => {
    expect(firstFollowUps('2026-11-21T10:00:00+01:00', sla).remindAt).toBe('2026-11-22T09:00:00.000Z');
  });
});

describe('nextFollowUpAt', () => {
  it('is undefined with nothing pending, or nothing scheduled', () => {
    expect(nextFollowUpAt([])).toBeUndefined();
    expect(nextFollowUpAt([{}, { notices: { reminders: 1, escalations: 0 } }])).toBeUndefined();
  });

  it('is the earliest reminder or escalation among all pending items, in epoch ms', () => {
    const pending: Followed[] = [
      { remindAt: iso(30), escalateAt: iso(50) },
      { remindAt: iso(24), escalateAt: iso(48) },
      { remindAt: iso(60), escalateAt: iso(20) }, // a repeated reminder after an earlier escalation
    ];
    expect(nextFollowUpAt(pending)).toBe(at(20));
    expect(nextFollowUpAt(pending.slice(0, 2))).toBe(at(24));
  });

  it('considers items with only one of the two times', () => {
    expect(nextFollowUpAt([{ escalateAt: iso(5) }, { remindAt: iso(7) }])).toBe(at(5));
    expect(nextFollowUpAt([{ remindAt: iso(7) }, { escalateAt: iso(9) }])).toBe(at(7));
  });
});

describe('dueFollowUps', () => {
  const fresh = (): Followed => ({ ...firstFollowUps(ROUTED, sla) });

  it('has nothing due before the reminder', () => {
    expect(dueFollowUps(fresh(), at(24) - 1)).toEqual([]);
  });

  it('has the first reminder due exactly at reminderAfter', () => {
    expect(dueFollowUps(fresh(), at(24))).toEqual([{ kind: 'reminder', attempt: 1 }]);
  });

  it('has the escalation due at escalateAfter (with the still unsent reminder)', () => {
    expect(dueFollowUps(fresh(), at(48) - 1)).toEqual([{ kind: 'reminder', attempt: 1 }]);
    expect(dueFollowUps(fresh(), at(48))).toEqual([
      { kind: 'reminder', attempt: 1 },
      { kind: 'escalation', attempt: 1 },
    ]);
  });

  it('numbers the attempt after the notices already sent', () => {
    const p: Followed = { remindAt: iso(0), escalateAt: iso(0), notices: { reminders: 3, escalations: 1 } };
    expect(dueFollowUps(p, at(0))).toEqual([
      { kind: 'reminder', attempt: 4 },
      { kind: 'escalation', attempt: 2 },
    ]);
  });

  it('has nothing due for an item with no follow-up times', () => {
    expect(dueFollowUps({}, at(1000))).toEqual([]);
  });
});

describe('markSent', () => {
  it('counts a reminder, records when, and schedules the repeat repeatEvery after the due time', () => {
    const p: Followed = { ...firstFollowUps(ROUTED, sla) };
    markSent(p, 'reminder', iso(24), sla);
    expect(p).toEqual({ remindAt: iso(36), escalateAt: iso(48), notices: { reminders: 1, escalations: 0, lastAt: iso(24) } });
    expect(dueFollowUps(p, at(24))).toEqual([]);
    expect(dueFollowUps(p, at(36))).toEqual([{ kind: 'reminder', attempt: 2 }]);
  });

  it('counts an escalation and repeats it, leaving the reminder alone', () => {
    const p: Followed = { remindAt: iso(60), escalateAt: iso(48), notices: { reminders: 2, escalations: 0 } };
    markSent(p, 'escalation', iso(48), sla);
    expect(p).toEqual({ remindAt: iso(60), escalateAt: iso(60), notices: { reminders: 2, escalations: 1, lastAt: iso(48) } });
  });

  it('anchors the repeat on the scheduled time, not on when it was sent', () => {
    const p: Followed = { ...firstFollowUps(ROUTED, sla) };
    markSent(p, 'reminder', iso(25), sla); // sent an hour late
    expect(p.remindAt).toBe(iso(36));
    expect(p.notices?.lastAt).toBe(iso(25));
  });

  it('skips repeats that fell due during an outage instead of sending them in a burst', () => {
    const p: Followed = { ...firstFollowUps(ROUTED, sla) };
    markSent(p, 'reminder', iso(54), sla); // due at 24h, sent 30h late
    expect(p.remindAt).toBe(iso(60));
    expect(dueFollowUps(p, at(54))).toEqual([{ kind: 'escalation', attempt: 1 }]);
  });

  it('schedules from now when nothing was scheduled', () => {
    const p: Followed = {};
    markSent(p, 'escalation', iso(10), sla);
    expect(p).toEqual({ escalateAt: iso(22), notices: { reminders: 0, escalations: 1, lastAt: iso(10) } });
  });

  it('drives a full timeline: reminder at 24h, escalation at 48h, each repeating every 12h with rising attempts', () => {
    const p: Followed = { ...firstFollowUps(ROUTED, sla) };
    const sent: string[] = [];
    // Check every hour for 72h, sending whatever is due, as the workflow does when its timer fires.
    for (let h = 0; h <= 72; h += 1) {
      for (const { kind, attempt } of dueFollowUps(p, at(h))) {
        sent.push(`${h}h ${kind} #${attempt}`);
        markSent(p, kind, iso(h), sla);
      }
    }
    expect(sent).toEqual([
      '24h reminder #1',
      '36h reminder #2',
      '48h reminder #3',
      '48h escalation #1',
      '60h reminder #4',
      '60h escalation #2',
      '72h reminder #5',
      '72h escalation #3',
    ]);
    expect(p.notices).toEqual({ reminders: 5, escalations: 3, lastAt: iso(72) });
    expect(nextFollowUpAt([p])).toBe(at(84));
  });

  it('gives each attempt a distinct number, so a resent notice deduplicates but a repeat does not', () => {
    const p: Followed = { ...firstFollowUps(ROUTED, sla) };
    const first = dueFollowUps(p, at(24));
    // Asking again before markSent (a retried send) yields the same attempt.
    expect(dueFollowUps(p, at(24))).toEqual(first);
    markSent(p, 'reminder', iso(24), sla);
    expect(dueFollowUps(p, at(36))[0].attempt).toBe(first[0].attempt + 1);
  });
});
