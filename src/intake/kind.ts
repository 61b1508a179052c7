import type { DocumentKind } from '../domain/intake';
import type { FileFormat } from './extract/types';

// A document kind guessed from the file when the uploader gave none; the answer shows it (and why)
// so the uploader can confirm it. Contract kinds matter: only they can back contract facts.

const rules: Array<{ kind: DocumentKind; pattern: RegExp; what: string }> = [
  { kind: 'sow', pattern: /\bstatement[\s_-]+of[\s_-]+work\b|(?:^|[^a-z])sow(?:[^a-z]|$)/i, what: 'statement of work' },
  { kind: 'agreement', pattern: /\border[\s_-]*form\b|\bagreement\b|\bmaster[\s_-]+services\b|\bmsa\b|\bcontract\b|\bterms[\s_-]+and[\s_-]+conditions\b/i, what: 'order form / agreement' },
  { kind: 'proposal', pattern: /\bproposal\b|\bquote\b|\bquotation\b/i, what: 'proposal' },
  { kind: 'call_notes', pattern: /\bcall[\s_-]+notes\b|\bmeeting[\s_-]+notes\b|\btranscript\b|\bdiscovery[\s_-]+call\b/i, what: 'call notes' },
  { kind: 'intake_form', pattern: /\bintake[\s_-]+form\b|\bquestionnaire\b/i, what: 'intake form' },
];

export function inferKind(input: { format: FileFormat; filename?: string; text: string }): { kind: DocumentKind; reason: string } {
  if (input.format === 'eml') return { kind: 'email', reason: 'the file is an email (RFC 5322 message)' };
  const name = (input.filename ?? '').replace(/\.[A-Za-z0-9]{1,5}$/, '');
  for (const r of rules) if (r.pattern.test(name)) return { kind: r.kind, reason: `the file name says ${r.what}` };
  // The heading area of the text: a title names what the document is; a mention further down does not.
  const head = input.text.slice(0, 400);
  for (const r of rules) if (r.pattern.test(head)) return { kind: r.kind, reason: `the text begins as a ${r.what}` };
  return { kind: 'other', reason: 'nothing in the name or the first lines says what it is; give kind to confirm' };
}
