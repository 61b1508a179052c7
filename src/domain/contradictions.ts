import { dependencyMentions } from './dependencies';
import { cite, type AnalyzedDocument, type EvidenceSentence } from './evidence';
import { dateFactOf, extractAmount, extractQuantities, extractTermMonths, formatAmount, sentenceDates } from './facts';
import type { IntakeBundle } from './intake';
import type { GateFailure } from './packet';

// Two sources that disagree on something the delivery depends on: amount, term, kickoff or go-live
// date, counted deliverables, or who provides data or access. Both sources are cited.

interface Claim {
  fact: string;
  label: string;
  field: string;
  value: string;
  display: string;
  sentence: EvidenceSentence;
}

const SOURCE_PRIORITY: Record<string, number> = { agreement: 0, sow: 1, crm: 2, proposal: 3 };
const priority = (c: Claim): number =>
  c.sentence.documentId === 'crm' ? SOURCE_PRIORITY.crm : SOURCE_PRIORITY[c.sentence.kind] ?? 4;

export function findContradictions(docs: AnalyzedDocument[], bundle: IntakeBundle): GateFailure[] {
  const claims = [...factClaims(docs), ...ownerClaims(docs, bundle), ...deliverableClaims(docs)];
  const byFact = new Map<string, Claim[]>();
  for (const claim of claims) byFact.set(claim.fact, [...(byFact.get(claim.fact) ?? []), claim]);
  const failures: GateFailure[] = [];
  for (const group of byFact.values()) failures.push(...disagreements(group));
  return failures;
}

function disagreements(claims: Claim[]): GateFailure[] {
  const sorted = [...claims].sort((a, b) => priority(a) - priority(b));
  const reference = sorted[0];
  const reported = new Set<string>();
  const failures: GateFailure[] = [];
  for (const other of sorted.slice(1)) {
    if (other.value === reference.value || other.sentence.documentId === reference.sentence.documentId) continue;
    const key = `${other.sentence.documentId}:${other.value}`;
    if (reported.has(key)) continue;
    reported.add(key);
    failures.push({
      code: 'contradiction',
      field: reference.field,
      documentId: other.sentence.documentId,
      detail: `The ${reference.label} differs: "${reference.sentence.documentId}" says ${reference.display}, "${other.sentence.documentId}" says ${other.display}.`,
      sources: [cite(reference.sentence), cite(other.sentence)],
    });
  }
  return failures;
}

// Proposals are drafts of the deal: their numbers only count when no agreement or SOW states the deal.
function factClaims(docs: AnalyzedDocument[]): Claim[] {
  const hasSignedTerms = docs.some((d) => d.doc.kind === 'agreement' || d.doc.kind === 'sow');
  const claims: Claim[] = [];
  for (const doc of docs) {
    const firstPerFact = new Set<string>();
    const add = (claim: Claim): void => {
      if (firstPerFact.has(claim.fact)) return;
      firstPerFact.add(claim.fact);
      claims.push(claim);
    };
    const countsMoney = !(hasSignedTerms && doc.doc.kind === 'proposal');
    for (const sentence of doc.sentences) {
      const amount = countsMoney ? extractAmount(sentence.text) : undefined;
      if (amount) add({ fact: 'amount', label: 'amount', field: 'crm.amount', value: String(amount.value), display: formatAmount(amount), sentence });
      const term = countsMoney ? extractTermMonths(sentence.text) : undefined;
      if (term) add({ fact: 'term', label: 'term', field: 'crm.termMonths', value: String(term), display: `${term} months`, sentence });
      const dateFact = dateFactOf(sentence.text);
      const date = dateFact ? sentenceDates(sentence)[0] : undefined;
      if (dateFact && date) {
        const label = dateFact === 'go_live' ? 'go-live date' : 'kickoff date';
        add({ fact: dateFact, label, field: dateFact === 'kickoff' ? 'kickoffTarget' : 'documents', value: date, display: date, sentence });
      }
      if (doc.contract && !doc.crm) {
        for (const q of extractQuantities(sentence.text)) {
          if (q.ceiling) continue;
          add({ fact: `quantity:${q.thing}`, label: `number of ${q.thing}s`, field: 'documents', value: String(q.count), display: `${q.count}`, sentence });
        }
      }
    }
  }
  return claims;
}

function ownerClaims(docs: AnalyzedDocument[], bundle: IntakeBundle): Claim[] {
  return dependencyMentions(docs, bundle)
    .filter((m) => m.owner !== 'unassigned' && (m.topic === 'data' || m.topic === 'access'))
    .map((m) => ({
      fact: `owner:${m.topic}`,
      label: m.topic === 'data' ? 'party who provides the data' : 'party who provides access',
      field: 'documents',
      value: m.owner,
      display: `the ${m.owner === 'buyer' ? 'customer' : 'vendor'} does it`,
      sentence: m.sentence,
    }));
}

// A named deliverable: "the Manhattan WMS connector", "one Ignition SCADA connector", "Snowflake data
// model". The kind (qualifier + noun) is what is compared; the capitalised name is the value.
const NAMED_DELIVERABLE = /((?:[A-Z][\w.+/-]*\s){1,3}?)((?:[A-Z]{2,6}\s|[a-z]{4,}\s)?)(connector|integration|interface|data model|plugin|feed)s?\b/g;
const LEADING_FILLER = /^(?:The|One|Two|A|An|Our|Your|Confirming|Confirm|Including|Plus|And)\s/;

export interface NamedDeliverable { kind: string; name: string }

/** Named deliverables of a sentence ("Blue Yonder WMS connector" -> kind "wms connector", name "Blue Yonder"). */
export function namedDeliverables(text: string): NamedDeliverable[] {
  const out: NamedDeliverable[] = [];
  NAMED_DELIVERABLE.lastIndex = 0;
  for (let m = NAMED_DELIVERABLE.exec(text); m; m = NAMED_DELIVERABLE.exec(text)) {
    let name = m[1].trim();
    while (LEADING_FILLER.test(name + ' ')) name = name.replace(/^\S+\s*/, '');
    if (!name) continue;
    out.push({ kind: `${m[2].trim().toLowerCase()} ${m[3]}`.trim(), name });
  }
  return out;
}

// A call or email naming a different system for a deliverable kind the contract names: a swapped
// deliverable. A sentence that also names the contract's system (e.g. "X instead of Y") is a request,
// not a disagreement about what was sold, and is left to the implied-promise detector.
function deliverableClaims(docs: AnalyzedDocument[]): Claim[] {
  const contract = docs.filter((d) => d.contract && !d.crm);
  const sold = new Map<string, { names: Set<string>; sentence: EvidenceSentence }>();
  for (const doc of contract) {
    for (const sentence of doc.sentences) {
      for (const d of namedDeliverables(sentence.text)) {
        const entry = sold.get(d.kind) ?? { names: new Set<string>(), sentence };
        entry.names.add(d.name);
        sold.set(d.kind, entry);
      }
    }
  }
  if (sold.size === 0) return [];
  const claims: Claim[] = [];
  for (const [kind, entry] of sold) {
    claims.push(deliverableClaim(kind, [...entry.names].sort().join(' and '), entry.sentence));
  }
  for (const doc of docs) {
    if (doc.contract) continue;
    for (const sentence of doc.sentences) {
      for (const d of namedDeliverables(sentence.text)) {
        const entry = sold.get(d.kind);
        if (!entry || [...entry.names].some((n) => n.includes(d.name) || d.name.includes(n) || sentence.text.includes(n))) continue;
        claims.push(deliverableClaim(d.kind, d.name, sentence));
      }
    }
  }
  return claims;
}

const deliverableClaim = (kind: string, name: string, sentence: EvidenceSentence): Claim => ({
  fact: `deliverable:${kind}`,
  label: `named deliverable (${kind})`,
  field: 'documents',
  value: name,
  display: `the ${name} ${kind}`,
  sentence,
});
