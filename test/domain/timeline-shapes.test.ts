import { datesMentioned, dateFactOf } from '../../src/domain/facts';
import { IntakeBundle } from '../../src/domain/intake';
import { detectImpliedPromises } from '../../src/domain/promises';

// Timeline commitments in the shapes deals use (issue 13's weakest type): ranges of weeks, durations
// after something the customer does, quarters, a window of theirs, soft targets and bare answers,
// and the nearby wordings that are not promises.

const SOW = 'Statement of Work. Fees: USD 48,000 for a 12 month term. Scope of services: (1) two standard connectors: the Epic scheduling export and the Kronos timekeeping export; (2) one utilization dashboard refreshed nightly. Out of scope: custom integrations. Go-live: 2027-01-15. Support: business hours, 9am-5pm ET.';

const promisesIn = (text: string, kind: 'call_notes' | 'email' = 'call_notes') =>
  detectImpliedPromises(IntakeBundle.parse({
    dealId: 'D-TIME',
    trigger: 'deal_closed',
    customer: { name: 'Northwind Health' },
    closedAt: '2026-11-20T17:00:00Z',
    kickoffTarget: '2026-12-03',
    owners: { sales: { id: 'u-ben', name: 'Ben Okafor', email: 'ben@vendor.example' } },
    stakeholders: [{ name: 'Dana Fox', side: 'buyer', role: 'economic_buyer' }],
    crm: { amount: 48000, currency: 'USD', termMonths: 12 },
    documents: [
      { id: 'sow', kind: 'sow', capturedAt: '2026-11-19T10:00:00Z', text: SOW },
      { id: 'doc', kind, title: kind === 'email' ? 'Email from Ben Okafor' : undefined, capturedAt: '2026-11-18T10:00:00Z', text },
    ],
  }));

describe('timeline commitments', () => {
  it.each([
    ['Ben said the dashboard takes 6-8 weeks.', 'call_notes'],
    ['Ben said the Epic export wraps in Q4.', 'call_notes'],
    ['Ben said we will connect the dashboard during the holiday shutdown.', 'call_notes'],
    ['Ben said we are aiming for the week after Thanksgiving for the dashboard.', 'call_notes'],
    ['Ben: by mid-December, well before your busy season.', 'call_notes'],
    ['We will deliver the Kronos export two weeks after we get the data.', 'email'],
    ['The dashboard should be up and running by the time their budget cycle starts.', 'email'],
    ['Ben said the dashboard will be up 30 days post-signature.', 'call_notes'],
    ['Dana is hoping for the dashboard two weeks after kickoff; Ben told her that works.', 'call_notes'],
    ['Ben said the dashboard ships two weeks out from signing.', 'call_notes'],
    ['We are targeting December 5 for the Kronos export.', 'email'],
    ['The dashboard will land the week after Thanksgiving.', 'email'],
  ] as const)('%s', (text, kind) => {
    expect(promisesIn(text, kind)).toEqual([expect.objectContaining({ category: 'timeline_commitment', statement: text })]);
  });

  it.each([
    'Ben said we cannot commit to a date for the dashboard yet.',
    'Dana asked if the dashboard could be live in Q4?',
    'Dana said their own budget cycle closes in Q4.',
    "Ben said we'll know after discovery.",
    'Ben said we hope to have a date after discovery.',
    'Ben said we went live with another clinic in three weeks last year.',
  ])('not a promise: %s', (text) => {
    expect(promisesIn(text)).toEqual([]);
  });

  it('a time beside a support word stays a support expectation', () => {
    expect(promisesIn('Ben promised a named analyst during the first quarter.')).toEqual([expect.objectContaining({ category: 'support_expectation' })]);
  });
});

describe('quarters and go-live wordings', () => {
  it('reads a quarter as its last day, the next one on or after the reference date', () => {
    expect(datesMentioned('phase 1 wraps in Q2', '2027-11-20T15:00:00Z')).toEqual(['2028-06-30']);
    expect(datesMentioned('phase 1 wraps in Q4', '2027-11-20T15:00:00Z')).toEqual(['2027-12-31']);
    expect(datesMentioned('early next quarter', '2027-12-01T15:00:00Z')).toEqual(['2028-01-31']);
  });

  it('"goes live" names the go-live', () => {
    expect(dateFactOf('Close management goes live 3/1.')).toBe('go_live');
  });
});
