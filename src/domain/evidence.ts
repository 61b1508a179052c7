import { documentsWithCrm, isContractEvidence, isCrmDocument } from './crm-document';
import type { DocumentKind, EvidenceDocument, IntakeBundle } from './intake';
import type { Citation } from './packet';
import { splitSentences, type Span } from './text';

// A bundle's documents, split into sentences once and labelled with what they can back, so the
// gates and the drafter reason over the same reading of the evidence.

export type Side = 'buyer' | 'vendor';

export interface EvidenceSentence extends Span {
  documentId: string;
  kind: DocumentKind;
  /** agreement, sow, proposal or the CRM record. */
  contract: boolean;
  /** Who wrote the document, so "we" and "your team" resolve to a side. */
  author: Side;
  capturedAt: string;
}

export interface AnalyzedDocument {
  doc: EvidenceDocument;
  contract: boolean;
  crm: boolean;
  author: Side;
  sentences: EvidenceSentence[];
}

export function analyzeDocuments(bundle: IntakeBundle): AnalyzedDocument[] {
  const buyerNames = buyerNameWords(bundle);
  return documentsWithCrm(bundle).map((doc) => {
    const contract = isContractEvidence(doc);
    const author = authorOf(doc, buyerNames);
    const sentences = splitSentences(doc.text).map(
      (span): EvidenceSentence => ({ ...span, documentId: doc.id, kind: doc.kind, contract, author, capturedAt: doc.capturedAt }),
    );
    return { doc, contract, crm: isCrmDocument(doc), author, sentences };
  });
}

export const cite = (sentence: Pick<EvidenceSentence, 'documentId' | 'text'>): Citation => ({
  documentId: sentence.documentId,
  quote: sentence.text,
});

/** Distinct citations (same document and quote once), at most `max`. */
export function uniqueCitations(citations: Citation[], max = 20): Citation[] {
  const seen = new Set<string>();
  const out: Citation[] = [];
  for (const c of citations) {
    const key = `${c.documentId}\u0000${c.quote}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
    if (out.length === max) break;
  }
  return out;
}

function buyerNameWords(bundle: IntakeBundle): string[] {
  const names = bundle.stakeholders.filter((s) => s.side === 'buyer').map((s) => s.name);
  names.push(bundle.customer.name);
  return names.map((n) => n.toLowerCase());
}

// Contract documents, proposals, call notes and CRM notes are written by the vendor; intake forms by
// the buyer; an email is the buyer's when its title or signature names the customer or a buyer.
function authorOf(doc: EvidenceDocument, buyerNames: string[]): Side {
  if (doc.kind === 'intake_form') return 'buyer';
  if (doc.kind !== 'email') return 'vendor';
  const title = (doc.title ?? '').toLowerCase();
  const from = /\bfrom\s+(.+)$/.exec(title)?.[1];
  if (from) return buyerNames.some((n) => from.includes(n) || from.includes(n.split(' ')[0])) ? 'buyer' : 'vendor';
  const signature = doc.text.slice(-120).toLowerCase();
  return buyerNames.some((n) => signature.includes(n)) ? 'buyer' : 'vendor';
}
