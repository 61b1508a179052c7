import { draftPacket } from '../../src/domain/draft';
import { pageAt, pageOfQuote, withCitationPages } from '../../src/domain/citation-pages';
import { renderPacketMarkdown } from '../../src/domain/packet-render';
import type { PacketContent } from '../../src/domain/packet';

const pdf = { text: 'Order form.\n\nThe fee is 48,000 USD.\n\nKickoff in March.', pageOffsets: [0, 13, 37] };

describe('citation pages', () => {
  it('maps an offset to its page, page starts included', () => {
    expect([0, 12, 13, 36, 37, 50].map((o) => pageAt(pdf.pageOffsets, o))).toEqual([1, 1, 2, 2, 3, 3]);
    expect(pageOfQuote(pdf, 'The fee is 48,000 USD.')).toBe(2);
    expect(pageOfQuote(pdf, 'not there')).toBeUndefined();
    expect(pageOfQuote({ text: pdf.text, pageOffsets: [] }, 'Order form.')).toBeUndefined();
  });

  it('adds pages to citations into paged documents everywhere in a packet, drops made-up ones, and the Markdown shows "p. N"', () => {
    const packet = {
      contractFacts: [{ statement: 'Fee', sources: [{ documentId: 'of.pdf', quote: 'The fee is 48,000 USD.' }] }],
      notSold: [{ item: 'x', sources: [{ documentId: 'email-1', quote: 'No SSO.', page: 7 }] }],
      gates: { passed: false, failures: [{ code: 'stale_evidence', detail: 'old', sources: [{ documentId: 'of.pdf', quote: 'Kickoff in March.' }] }] },
    };
    const paged = withCitationPages(packet, new Map([['of.pdf', pdf]]));
    expect(paged.contractFacts[0].sources[0]).toEqual({ documentId: 'of.pdf', quote: 'The fee is 48,000 USD.', page: 2 });
    expect(paged.notSold[0].sources[0]).toEqual({ documentId: 'email-1', quote: 'No SSO.' });
    expect(paged.gates.failures[0].sources[0]).toMatchObject({ page: 3 });
    // The input is not changed: the stored packet stays as drafted.
    expect(packet.contractFacts[0].sources[0]).not.toHaveProperty('page');
  });

  it('renders the page of a PDF citation in the footnote', () => {
    const base = draftPacket({
      dealId: 'D-PAGES',
      trigger: 'deal_closed',
      customer: { name: 'Acme' },
      owners: {},
      stakeholders: [],
      documents: [{ id: 'of.pdf', kind: 'agreement', capturedAt: '2025-01-10T00:00:00Z', text: pdf.text }],
    });
    const content: PacketContent = { ...base, contractFacts: [{ statement: 'The fee is 48,000 USD.', sources: [{ documentId: 'of.pdf', quote: 'The fee is 48,000 USD.' }] }] };
    const md = renderPacketMarkdown(withCitationPages(content, new Map([['of.pdf', pdf]])));
    expect(md).toMatch(/\[\^\d+\]: of\.pdf, p\. 2 — "The fee is 48,000 USD\."/);
    expect(renderPacketMarkdown(content)).not.toMatch(/p\. 2/);
  });
});
