import type { IntakeBundle } from './intake';
import { findSecrets } from './secret-scan';

// Secrets pasted into evidence or typed into a comment are replaced by a marker before anything is
// stored, drafted, sent to Temporal or shown. Detection (gitleaks' rules, our prose rules, Unicode
// normalisation) lives in secret-scan.ts. No node: imports; the workflow does not import this module
// (the API and the activities do).

export interface RedactionFinding {
  kind: string;
}
export interface BundleRedactionFinding extends RedactionFinding {
  /** The document the secret was in ("crm" for success criteria and not-sold lines). */
  documentId?: string;
  /** The bundle field: "documents", "successCriteria/notSold", or a path such as "customer.name". */
  field: string;
}

export const redactionMarker = (kind: string): string => `[REDACTED:${kind}]`;
const MARKER = /\[REDACTED:([a-z0-9_]+)\]/g;

/** Replaces every secret in `text` with `[REDACTED:<kind>]`; findings never carry the secret. */
export function redactSecrets(text: string): { text: string; findings: RedactionFinding[] } {
  const spans = findSecrets(text);
  if (!spans.length) return { text, findings: [] };
  // One pass over ordered, non-overlapping spans: thousands of findings in a long text stay linear.
  const parts: string[] = [];
  let at = 0;
  for (const span of spans) {
    parts.push(text.slice(at, span.start), redactionMarker(span.kind));
    at = span.end;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), findings: spans.map((s) => ({ kind: s.kind })) };
}

/** Markers left by an earlier redaction (evidence stored already redacted still counts as a finding). */
export function findRedactionMarkers(text: string): RedactionFinding[] {
  return [...text.matchAll(MARKER)].map((m) => ({ kind: m[1] }));
}

/**
 * Every free-text field of a bundle with where it sits: the same list is redacted here and searched
 * for markers by the secret gate, so a field added here is both cleaned and reported.
 */
export function bundleTexts(bundle: IntakeBundle): Array<{ text: string; documentId?: string; field: string; set: (b: IntakeBundle, text: string) => void }> {
  const texts: Array<{ text: string; documentId?: string; field: string; set: (b: IntakeBundle, text: string) => void }> = [];
  bundle.documents.forEach((doc, i) => {
    if (doc.title !== undefined) texts.push({ text: doc.title, documentId: doc.id, field: 'documents', set: (b, t) => (b.documents[i].title = t) });
    texts.push({ text: doc.text, documentId: doc.id, field: 'documents', set: (b, t) => (b.documents[i].text = t) });
  });
  // Structured lines are rendered into the virtual "crm" document, so their findings are filed there.
  bundle.successCriteria?.forEach((line, i) => texts.push({ text: line, documentId: 'crm', field: 'successCriteria/notSold', set: (b, t) => (b.successCriteria![i] = t) }));
  bundle.notSold?.forEach((line, i) => texts.push({ text: line, documentId: 'crm', field: 'successCriteria/notSold', set: (b, t) => (b.notSold![i] = t) }));
  const field = (path: string, text: string | undefined, set: (b: IntakeBundle, t: string) => void) => {
    if (text) texts.push({ text, field: path, set });
  };
  field('customer.name', bundle.customer.name, (b, t) => (b.customer.name = t));
  field('customer.segment', bundle.customer.segment, (b, t) => (b.customer.segment = t));
  field('systemOfRecord.system', bundle.systemOfRecord?.system, (b, t) => (b.systemOfRecord!.system = t));
  field('systemOfRecord.recordId', bundle.systemOfRecord?.recordId, (b, t) => (b.systemOfRecord!.recordId = t));
  for (const role of ['handoffOwner', 'sales', 'implementation', 'escalation'] as const) {
    field(`owners.${role}.name`, bundle.owners[role]?.name, (b, t) => (b.owners[role]!.name = t));
  }
  bundle.stakeholders.forEach((s, i) => {
    field(`stakeholders.${i}.name`, s.name, (b, t) => (b.stakeholders[i].name = t));
    field(`stakeholders.${i}.title`, s.title, (b, t) => (b.stakeholders[i].title = t));
    field(`stakeholders.${i}.role`, s.role, (b, t) => (b.stakeholders[i].role = t));
  });
  bundle.crm?.products?.forEach((p, i) => field(`crm.products.${i}`, p, (b, t) => (b.crm!.products![i] = t)));
  return texts;
}

/** Redacts every free text of a bundle (documents, structured lines, names, titles); ids and dates are not free text. */
export function redactBundle(bundle: IntakeBundle): { bundle: IntakeBundle; findings: BundleRedactionFinding[] } {
  const findings: BundleRedactionFinding[] = [];
  let redacted: IntakeBundle | undefined;
  for (const entry of bundleTexts(bundle)) {
    const result = redactSecrets(entry.text);
    if (!result.findings.length) continue;
    // Copied on the first finding only: a clean bundle comes back as the same object.
    redacted ??= structuredCopy(bundle);
    entry.set(redacted, result.text);
    for (const f of result.findings) findings.push({ ...(entry.documentId ? { documentId: entry.documentId } : {}), field: entry.field, kind: f.kind });
  }
  return { bundle: redacted ?? bundle, findings };
}

// JSON round trip: bundles are plain JSON (no Dates, no undefined that matters), and structuredClone
// is not in every runtime this module may run in.
const structuredCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
