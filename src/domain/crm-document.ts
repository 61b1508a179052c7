import { contractKinds, type EvidenceDocument, type IntakeBundle } from './intake';

// The bundle's structured deal record (CRM amount, term and products, the kickoff target, and the
// success criteria and not-sold lines sales typed in) rendered as one virtual document with id
// "crm". Citing a CRM fact then works like citing any document: the quote is a verbatim slice of
// this canonical text, so verifiers check it the same way.

export const CRM_DOCUMENT_ID = 'crm';

/** The canonical text of the deal record, one fact per line. Stable: the same bundle renders the same text. */
export function renderCrmText(bundle: IntakeBundle): string {
  const lines: string[] = [];
  const crm = bundle.crm;
  if (crm?.amount !== undefined) lines.push(`Amount: ${crm.amount}${crm.currency ? ` ${crm.currency}` : ''}.`);
  if (crm?.termMonths !== undefined) lines.push(`Term: ${crm.termMonths} months.`);
  if (crm?.products?.length) lines.push(`Products: ${crm.products.map(oneLine).join(', ')}.`);
  if (bundle.kickoffTarget) lines.push(`Kickoff target: ${bundle.kickoffTarget}.`);
  for (const criterion of bundle.successCriteria ?? []) lines.push(`Success criterion: ${asSentence(criterion)}`);
  for (const item of bundle.notSold ?? []) lines.push(`Not sold: ${asSentence(item)}`);
  return lines.join('\n');
}

/** The virtual "crm" document, or null when the bundle carries no structured deal facts. */
export function crmDocument(bundle: IntakeBundle): EvidenceDocument | null {
  const text = renderCrmText(bundle);
  if (!text) return null;
  return {
    id: CRM_DOCUMENT_ID,
    // The schema has no "crm" kind; isContractEvidence() recognises the document by its id.
    kind: 'other',
    title: 'CRM deal record',
    capturedAt: bundle.closedAt ?? latestCapture(bundle) ?? '1970-01-01T00:00:00Z',
    text,
  };
}

/** The bundle's documents plus the virtual "crm" document when there is a deal record. */
export function documentsWithCrm(bundle: IntakeBundle): EvidenceDocument[] {
  const crm = crmDocument(bundle);
  return crm ? [...bundle.documents, crm] : bundle.documents;
}

export const isCrmDocument = (doc: Pick<EvidenceDocument, 'id'>): boolean => doc.id === CRM_DOCUMENT_ID;

/** Documents that can back a contract fact: agreement, sow, proposal, and the CRM record. */
export const isContractEvidence = (doc: Pick<EvidenceDocument, 'id' | 'kind'>): boolean =>
  isCrmDocument(doc) || contractKinds.includes(doc.kind);

/** The line of the CRM text that states `prefix` (e.g. "Amount:"), verbatim, if any. */
export function crmLine(crmText: string, prefix: string): string | undefined {
  return crmText.split('\n').find((line) => line.startsWith(prefix));
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
const asSentence = (s: string): string => {
  const flat = oneLine(s);
  return /[.!?]$/.test(flat) ? flat : `${flat}.`;
};

function latestCapture(bundle: IntakeBundle): string | undefined {
  let latest: string | undefined;
  for (const doc of bundle.documents) if (!latest || Date.parse(doc.capturedAt) > Date.parse(latest)) latest = doc.capturedAt;
  return latest;
}
