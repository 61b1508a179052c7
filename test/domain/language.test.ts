import { analyzeDocuments } from '../../src/domain/evidence';
import { datesMentioned, extractAmount, extractDates, extractTermMonths } from '../../src/domain/facts';
import { findContradictions, namedDeliverables } from '../../src/domain/contradictions';
import { IntakeBundle, type IntakeBundleInput } from '../../src/domain/intake';
import { detectImpliedPromises } from '../../src/domain/promises';
import { splitSentences } from '../../src/domain/text';

// The language the rules drafter reads, on the wordings issue 13 lists: what was missed, what was
// flagged though harmless, and the dates, amounts, terms and named deliverables it must understand.

const SOW = 'Statement of Work. Fees: USD 48,000 for a 12 month term. Scope of services: (1) two standard connectors: the Epic scheduling export and the Kronos timekeeping export; (2) one utilization dashboard refreshed nightly; (3) training for up to 10 supervisors. Out of scope: custom integrations, weekend support, and on-site work. Go-live: 2027-01-15. Support: business hours, 9am-5pm ET.';

function bundleWith(docs: Array<{ id: string; kind: IntakeBundleInput['documents'][number]['kind']; text: string; title?: string }>): IntakeBundle {
  return IntakeBundle.parse({
    dealId: 'D-LANG',
    trigger: 'deal_closed',
    customer: { name: 'Northwind Health' },
    closedAt: '2026-11-20T17:00:00Z',
    kickoffTarget: '2026-12-03',
    owners: { sales: { id: 'u-ben', name: 'Ben Okafor', email: 'ben@vendor.example' }, implementation: { id: 'u-chen', name: 'Chen Li', email: 'chen@vendor.example' } },
    stakeholders: [{ name: 'Dana Fox', side: 'buyer', role: 'economic_buyer' }, { name: 'Eli Park', side: 'buyer', role: 'technical_contact' }],
    crm: { amount: 48000, currency: 'USD', termMonths: 12 },
    documents: [{ id: 'sow', kind: 'sow', capturedAt: '2026-11-19T10:00:00Z', text: SOW }, ...docs.map((d) => ({ capturedAt: '2026-11-18T10:00:00Z', ...d }))],
  });
}

const promisesIn = (text: string, kind: 'call_notes' | 'email' = 'call_notes', title?: string) =>
  detectImpliedPromises(bundleWith([{ id: 'doc', kind, text, title }]));

describe('soft promises the drafter used to miss', () => {
  it.each([
    ['Ben mentioned the dashboard refreshes in real time.', 'feasibility'],
    ['Ben offered to add a third connector for the payroll system.', 'scope_promise'],
    ['Dana is under the impression that training covers all 40 supervisors.', 'scope_promise'],
    ['We said we are happy to have an engineer join their Monday stand-ups.', 'support_expectation'],
    ['Ben said the dashboard goes live on 12/15.', 'timeline_commitment'],
  ])('%s -> %s', (text, category) => {
    expect(promisesIn(text)).toEqual([expect.objectContaining({ category, statement: text })]);
  });

  it('a short "sure, we\'ll do it" answering a request the SOW excludes, citing the request too', () => {
    const found = promisesIn('Dana: can you also build custom integrations with our payroll tool? Ben: sure, we\'ll do it.');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ category: 'scope_promise', reason: 'exceeds contract' });
    expect(found[0].sources.map((s) => s.quote)).toEqual(expect.arrayContaining(["Ben: sure, we'll do it.", 'custom integrations']));
  });
});

describe('harmless sentences are not implied promises', () => {
  it.each([
    'We cannot offer weekend support under this plan.',
    'Dana does not expect any custom integrations.',
    'Dana acknowledged that on-site work is out of scope.',
    'Ben confirmed the order form: two standard connectors, one utilization dashboard, and training for up to 10 supervisors.',
    'Eli asked about the Epic export format. Ben said no problem.',
    'Dana: we have a Kronos admin already. Ben: no problem. Dana: great, thanks.',
    'Eli will send sample Kronos exports before kickoff.',
    'Ben said that is not included, but extra dashboards could be added as a paid option later.',
  ])('%s', (text) => {
    expect(promisesIn(text)).toEqual([]);
  });

  it('a long transcript of assents produces no promise unless one answers an excluded request', () => {
    const lines = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? `Dana: point ${i} about the rollout plan.` : 'Ben: no problem.'));
    expect(promisesIn(lines.join(' '))).toEqual([]);
  });
});

describe('wordings of the later development rounds (bullets, transcripts, replies, recaps)', () => {
  it.each([
    ['Ben: The utilization dashboard flags overtime spikes within five minutes.', 'call_notes', 'feasibility'],
    ['Ben said should be no problem to have the dashboard running by 12/20.', 'call_notes', 'timeline_commitment'],
    ['- AE committed to a 2-hour turnaround on dashboard fixes.', 'crm_note', 'support_expectation'],
    ['Dana is under the impression a third connector for payroll comes in the same project, can you confirm?', 'call_notes', 'scope_promise'],
    ['Ben boasted that the dashboard updates every 30 seconds.', 'call_notes', 'feasibility'],
    ['Ben estimated three weeks from kickoff to a live dashboard.', 'call_notes', 'timeline_commitment'],
    ['Ben said the dashboard will be live in 10 business days.', 'call_notes', 'timeline_commitment'],
  ] as const)('%s -> %s', (text, kind, category) => {
    expect(detectImpliedPromises(bundleWith([{ id: 'doc', kind, text }]))).toEqual([expect.objectContaining({ category, statement: text })]);
  });

  it('a group that expects more than the contract\'s support hours, in the buyer\'s email', () => {
    const found = promisesIn('Ben, our night dispatch team expects someone to answer support calls overnight. Dana', 'email', 'Email from Dana Fox');
    expect(found).toEqual([expect.objectContaining({ category: 'support_expectation', reason: 'exceeds contract' })]);
  });

  it('"sure, we\'ll do it" above a quoted request the SOW excludes cites the request', () => {
    const found = promisesIn("Dana, sure, we'll do it. Ben\n\n-----Original message-----\nCan you also build custom integrations with our payroll tool?", 'email', 'Email from Ben Okafor');
    expect(found).toEqual([expect.objectContaining({ category: 'scope_promise', reason: 'exceeds contract' })]);
    expect(found[0].sources.map((s) => s.quote)).toEqual(expect.arrayContaining(['Can you also build custom integrations with our payroll tool?']));
  });

  it('lines under a recap are the writer\'s understanding', () => {
    const found = promisesIn('Ben,\nRecapping where I think we landed:\n- Training for our 10 supervisors plus the 6 new leads we hire in January.\nDana', 'email', 'Email from Dana Fox');
    expect(found).toEqual([expect.objectContaining({ category: 'scope_promise' })]);
  });

  it.each([
    'Eli asked whether we support SAML; Ben said not at the moment.',
    'Ben said most clinics see overtime drop by a tenth after three months.',
    'Ben said the model was validated at two hospitals last year.',
    'Eli asked who maps the pay codes; Ben said we would need to talk about that.',
    'Dana said their contractor will do the on-site work.',
    'Ben said custom integrations are a separate product.',
    '- Ben will send the redlined order form Friday.',
    'Dana said they may buy a third connector next year.',
    'Ben said go-live on January 15 works.',
    'Dana: is the dashboard ready for the board? Ben: that is tight.',
    'Eli pointed out that custom integrations are handled by their IT team.',
  ])('%s', (text) => {
    expect(promisesIn(text)).toEqual([]);
  });
});

describe('dates, amounts and terms', () => {
  it('reads calendar dates relative to the capture time, and relative ones only when asked', () => {
    expect(extractDates('The dashboard goes live on 12/15.', '2026-11-18T10:00:00Z')).toEqual(['2026-12-15']);
    expect(extractDates('Kickoff on 12/10/2026.', '2026-11-18T10:00:00Z')).toEqual(['2026-12-10']);
    expect(extractDates('Kickoff: 2026-12-03.', '2026-11-18T10:00:00Z')).toEqual(['2026-12-03']);
    expect(extractDates('Live by March 1.', '2026-11-18T10:00:00Z')).toEqual(['2027-03-01']);
    expect(extractDates('Live by the end of the month.', '2026-11-18T10:00:00Z')).toEqual([]);
    expect(datesMentioned('Live by the end of the month.', '2026-11-18T10:00:00Z')).toEqual(['2026-11-30']);
  });

  it('reads holidays as the next such day, not "Black Friday" as next Friday', () => {
    expect(datesMentioned('Live ahead of Black Friday.', '2026-11-18T10:00:00Z')).toEqual(['2026-11-27']);
    expect(extractDates('Live by Labor Day.', '2027-06-01T10:00:00Z')).toEqual(['2027-09-06']);
    expect(extractDates('Live by Labor Day.', '2027-09-07T10:00:00Z')).toEqual(['2028-09-04']);
  });

  it.each([
    ['Fees: $48k for the year.', 48000, 'USD'],
    ['Total fees: USD 48,000.', 48000, 'USD'],
    ['Total fees: fifty-two thousand dollars, billed annually.', 52000, 'USD'],
    ['To confirm the price: thirty-five thousand euros for the year.', 35000, 'EUR'],
    ['Confirming the price at £42,000.', 42000, 'GBP'],
  ])('%s -> %d %s', (text, value, currency) => {
    expect(extractAmount(text)).toEqual({ value, currency });
  });

  it.each([
    ['This SOW covers an 18-month engagement.', 18],
    ['A two-year term.', 24],
    ['Fees: USD 210,000 for a 3-year term.', 36],
    ['Confirming fees of $57,000 for 24 months.', 24],
    ['Initial term of two years.', 24],
  ])('%s -> %d months', (text, months) => {
    expect(extractTermMonths(text)).toBe(months);
  });

  it('does not read history limits as a term', () => {
    expect(extractTermMonths('Out of scope: data older than 18 months.')).toBeUndefined();
  });
});

describe('contradictions the gates used to miss', () => {
  const kinds = (text: string, kind: 'email' | 'call_notes' = 'email') => {
    const bundle = bundleWith([{ id: 'other', kind, text }]);
    return findContradictions(analyzeDocuments(bundle), bundle).map((f) => [f.detail.split(' differs')[0], f.sources.map((s) => s.documentId).sort().join('+')]);
  };

  it('an amount in words', () => {
    expect(kinds('The total fee we agreed is fifty-two thousand dollars.')).toEqual([['The amount', 'other+sow']]);
  });
  it('an engagement without the word "term"', () => {
    expect(kinds('We are planning around an 18-month engagement.')).toEqual([['The term', 'other+sow']]);
  });
  it('a kickoff in US notation against the ISO kickoff target', () => {
    expect(kinds('Kickoff is on 12/10/2026.')).toEqual([['The kickoff date', 'crm+other']]);
  });
  it('a go-live date promised in an email weeks before the SOW\'s', () => {
    expect(kinds('You will be live on 12/15.')).toEqual([['The go-live date', 'other+sow']]);
  });
  it('a cutover rehearsal is not the go-live', () => {
    expect(kinds('We hold the week of 12/20 for a cutover rehearsal.')).toEqual([]);
    expect(kinds('Cutover is on 12/20.')).toEqual([['The go-live date', 'other+sow']]);
  });

  it('a named deliverable swapped (Workday instead of Kronos), but not a request naming both', () => {
    const bundle = bundleWith([]);
    bundle.documents[0].text = 'Deliverables: one Kronos timekeeping connector and one utilization dashboard.';
    bundle.documents.push({ id: 'email', kind: 'email', capturedAt: '2026-11-18T10:00:00Z', text: 'Confirming the Workday timekeeping connector and the dashboard.' });
    bundle.documents.push({ id: 'call', kind: 'call_notes', capturedAt: '2026-11-18T10:00:00Z', text: 'Dana asked for a Workday timekeeping connector instead of Kronos.' });
    const failures = findContradictions(analyzeDocuments(bundle), bundle);
    expect(failures.map((f) => f.sources.map((s) => s.documentId))).toEqual([['sow', 'email']]);
    expect(failures[0].detail).toContain('Workday');
    expect(namedDeliverables('the Blue Yonder WMS connector')).toEqual([{ kind: 'wms connector', name: 'Blue Yonder' }]);
  });
});

describe('sentence segmentation', () => {
  it('splits at sentence ends and line breaks, not after abbreviations, and every span is verbatim', () => {
    const text = 'Dr. Helen Moore met Ben vs. the board, e.g. on Dec. 3. Fees: USD 48,000.\nOut of scope: on-site work\nBen: no problem.';
    const spans = splitSentences(text);
    expect(spans.map((s) => s.text)).toEqual(['Dr. Helen Moore met Ben vs. the board, e.g. on Dec. 3.', 'Fees: USD 48,000.', 'Out of scope: on-site work', 'Ben: no problem.']);
    for (const s of spans) expect(text.slice(s.start, s.end)).toBe(s.text);
  });
});
