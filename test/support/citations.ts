import { documentsWithCrm } from '../../src/domain/crm-document';
import type { IntakeBundle } from '../../src/domain/intake';
import type { Citation } from '../../src/domain/packet';
import { redactBundle } from '../../src/domain/redact';

/** Every `sources` list anywhere in a value (packet sections, gate failures, review items). */
export function allCitations(value: unknown): Citation[] {
  const found: Citation[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        if (key === 'sources' && Array.isArray(child)) found.push(...(child as Citation[]));
        else walk(child);
      }
    }
  };
  walk(value);
  return found;
}

/** Each citation's quote is a verbatim substring of its (redacted) document, the CRM record included. */
export function expectCitationsVerbatim(packet: unknown, bundle: IntakeBundle): void {
  const texts = new Map(documentsWithCrm(redactBundle(bundle).bundle).map((d) => [d.id, d.text]));
  for (const citation of allCitations(packet)) {
    const text = texts.get(citation.documentId);
    if (text === undefined) throw new Error(`citation of unknown document "${citation.documentId}"`);
    if (!text.includes(citation.quote)) throw new Error(`quote not verbatim in "${citation.documentId}": ${JSON.stringify(citation.quote)}`);
    expect(citation.quote.trim().length).toBeGreaterThan(0);
  }
}
