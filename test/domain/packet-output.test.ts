import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/domain/canonical-json';
import { crmDocument, documentsWithCrm, renderCrmText } from '../../src/domain/crm-document';
import { draftPacket } from '../../src/domain/draft';
import { IntakeBundle } from '../../src/domain/intake';
import { Packet } from '../../src/domain/packet';
import { finalizePacket, packetHash } from '../../src/domain/packet-hash';
import { renderPacketMarkdown } from '../../src/domain/packet-render';
import { allCitations } from '../support/citations';
import { sharedFixture } from '../support/bundles';

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('is the same for equal values built in a different key order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });
});

describe('finalizePacket', () => {
  const content = draftPacket(sharedFixture('worked-example'));

  it('hashes the canonical JSON of the content with handoff id and version', () => {
    const packet = finalizePacket(content, { handoffId: 'handoff-D-1042', version: 2 });
    expect(Packet.parse(packet)).toEqual(packet);
    const expected = createHash('sha256').update(canonicalJson({ ...content, handoffId: 'handoff-D-1042', version: 2 })).digest('hex');
    expect(packet.hash).toBe(`sha256:${expected}`);
  });

  it('binds the hash to the version and the content', () => {
    const v1 = finalizePacket(content, { handoffId: 'h', version: 1 });
    expect(finalizePacket(content, { handoffId: 'h', version: 2 }).hash).not.toBe(v1.hash);
    expect(finalizePacket({ ...content, notSold: [] }, { handoffId: 'h', version: 1 }).hash).not.toBe(v1.hash);
    // Re-finalizing a packet gives the same hash: the old hash is not part of what is hashed.
    expect(packetHash(v1, { handoffId: 'h', version: 1 })).toBe(v1.hash);
  });
});

describe('the CRM record as a document', () => {
  it('renders the deal record canonically so CRM facts can be quoted', () => {
    const bundle = sharedFixture('worked-example');
    expect(renderCrmText(bundle)).toBe(
      'Amount: 48000 USD.\nTerm: 12 months.\nProducts: Analytics Onboarding.\nKickoff target: 2026-12-03.\n' +
        'Success criterion: Utilization dashboard live for the Northwind operations team.',
    );
    expect(documentsWithCrm(bundle).map((d) => d.id)).toEqual(['order-form', 'proposal', 'call-2026-11-14', 'email-2026-11-18', 'crm']);
  });

  it('is absent when the bundle has no deal record', () => {
    const bundle = IntakeBundle.parse({ dealId: 'D-1', trigger: 'deal_closed', customer: { name: 'A' }, documents: [] });
    expect(crmDocument(bundle)).toBeNull();
    expect(documentsWithCrm(bundle)).toEqual([]);
  });

  it('reserves the id "crm"', () => {
    const input = { dealId: 'D-1', trigger: 'deal_closed', customer: { name: 'A' }, documents: [{ id: 'crm', kind: 'other', capturedAt: '2026-01-01T00:00:00Z', text: 'x' }] };
    const result = IntakeBundle.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['documents', 0, 'id']);
  });
});

describe('renderPacketMarkdown', () => {
  const packet = finalizePacket(draftPacket(sharedFixture('worked-example')), { handoffId: 'handoff-D-1042', version: 1 });
  const markdown = renderPacketMarkdown(packet);

  it('reads as a packet: title, sections, bullets', () => {
    expect(markdown).toMatch(/^# Handoff packet: D-1042\n/);
    for (const heading of ['Gates', 'Buyer goal', 'Contract facts', 'Sold scope', 'Not sold', 'Implied promises (need review)', 'Risks', 'Dependencies', 'First milestone plan', 'Open questions', 'Review items', 'Sources']) {
      expect(markdown).toContain(`\n## ${heading}\n`);
    }
    expect(markdown).toContain('- Fees of USD 48,000 for a 12-month term.[^');
    expect(markdown).toContain(packet.hash);
  });

  it('footnotes every citation once, with its document and verbatim quote', () => {
    const footnotes = markdown.split('\n').filter((line) => /^\[\^\d+\]: /.test(line));
    const distinct = new Set(allCitations(packet).map((c) => `${c.documentId}\u0000${c.quote}`));
    expect(footnotes).toHaveLength(distinct.size);
    for (const line of footnotes) expect(line).toMatch(/^\[\^\d+\]: [\w.:@-]+ — ".+"$/);
    expect(markdown).toContain('order-form — "historical data migration older than 24 months"');
    const referenced = new Set([...markdown.matchAll(/\[\^(\d+)\](?!:)/g)].map((m) => m[1]));
    expect(referenced.size).toBe(footnotes.length);
  });
});
