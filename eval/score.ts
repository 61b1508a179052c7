import { z } from 'zod';
import { promiseCategories, type PacketContent, type PromiseCategory } from '../src/domain/packet';

// Labels of the eval corpus and the matching rule per finding type. A predicted finding matches a
// labelled one when it cites the labelled sentence (same document, the label's quote inside the
// cited quote); implied promises must also agree on the category.

const Quote = { doc: z.string().min(1), quote: z.string().min(1) };
export const BundleLabels = z.object({
  industry: z.string().min(1),
  impliedPromises: z.array(z.object({ ...Quote, category: z.enum(promiseCategories) })),
  /** Two sources that disagree; fact is what they disagree on. */
  contradictions: z.array(z.object({ fact: z.enum(['amount', 'term', 'go_live', 'kickoff', 'quantity', 'deliverable', 'owner']), docs: z.tuple([z.string(), z.string()]) })),
  /** A not-sold boundary: a predicted item matches when its text (or a quote) contains `match`. */
  notSold: z.array(z.object({ match: z.string().min(1) })),
  unassignedDependencies: z.array(z.object({ topic: z.enum(['data', 'access', 'obligation']), ...Quote })),
  /** A document that holds a pasted secret. */
  secrets: z.array(z.object({ doc: z.string().min(1) })),
});
export type BundleLabels = z.infer<typeof BundleLabels>;

export interface Counts { tp: number; fp: number; fn: number }
export type FindingType = `promise:${PromiseCategory}` | 'promises (all)' | 'contradictions' | 'not sold' | 'unassigned dependencies' | 'secrets';
export type Score = Map<FindingType, Counts>;

export const findingTypes: FindingType[] = [
  ...promiseCategories.map((c) => `promise:${c}` as const), 'promises (all)', 'contradictions', 'not sold', 'unassigned dependencies', 'secrets',
];

export interface Mismatch { type: FindingType; kind: 'missed' | 'spurious'; what: string }

const cites = (sources: Array<{ documentId: string; quote: string }>, doc: string, quote: string): boolean =>
  sources.some((s) => s.documentId === doc && (s.quote.includes(quote) || quote.includes(s.quote)));

/** What the packet says two sources disagree on, read from the gate failure's wording. */
export function contradictionFact(detail: string): string {
  if (/^The amount/.test(detail)) return 'amount';
  if (/^The term/.test(detail)) return 'term';
  if (/^The go-live/.test(detail)) return 'go_live';
  if (/^The kickoff/.test(detail)) return 'kickoff';
  if (/^The number of/.test(detail)) return 'quantity';
  if (/^The named deliverable|^The system/.test(detail)) return 'deliverable';
  if (/^The party/.test(detail)) return 'owner';
  return 'other';
}

/** Scores one packet against its labels; `secretDocs` are the documents the redaction found secrets in. */
export function scorePacket(packet: PacketContent, labels: BundleLabels, secretDocs: string[], into: Score, mismatches: Mismatch[] = []): void {
  const add = (type: FindingType, c: Partial<Counts>): void => {
    const cur = into.get(type) ?? { tp: 0, fp: 0, fn: 0 };
    into.set(type, { tp: cur.tp + (c.tp ?? 0), fp: cur.fp + (c.fp ?? 0), fn: cur.fn + (c.fn ?? 0) });
  };

  // Implied promises, per category and overall (category-aware in both).
  for (const category of promiseCategories) {
    const type = `promise:${category}` as const;
    const predicted = packet.impliedPromises.filter((p) => p.category === category);
    const labelled = labels.impliedPromises.filter((l) => l.category === category);
    const found = labelled.filter((l) => predicted.some((p) => cites(p.sources, l.doc, l.quote)));
    const right = predicted.filter((p) => labelled.some((l) => cites(p.sources, l.doc, l.quote)));
    for (const l of labelled) if (!found.includes(l)) mismatches.push({ type, kind: 'missed', what: `${l.doc}: ${l.quote}` });
    for (const p of predicted) if (!right.includes(p)) mismatches.push({ type, kind: 'spurious', what: `${p.sources[0].documentId}: ${p.statement}` });
    const counts = { tp: found.length, fp: predicted.length - right.length, fn: labelled.length - found.length };
    add(type, counts);
    add('promises (all)', counts);
  }

  const contradictions = packet.gates.failures
    .filter((f) => f.code === 'contradiction')
    .map((f) => ({ fact: contradictionFact(f.detail), docs: new Set(f.sources.map((s) => s.documentId)), detail: f.detail }));
  const sameDocs = (a: Set<string>, b: string[]): boolean => a.size === new Set(b).size && b.every((d) => a.has(d));
  const cFound = labels.contradictions.filter((l) => contradictions.some((c) => c.fact === l.fact && sameDocs(c.docs, l.docs)));
  const cRight = contradictions.filter((c) => labels.contradictions.some((l) => c.fact === l.fact && sameDocs(c.docs, l.docs)));
  for (const l of labels.contradictions) if (!cFound.includes(l)) mismatches.push({ type: 'contradictions', kind: 'missed', what: `${l.fact} ${l.docs.join(' vs ')}` });
  for (const c of contradictions) if (!cRight.includes(c)) mismatches.push({ type: 'contradictions', kind: 'spurious', what: c.detail });
  add('contradictions', { tp: cFound.length, fp: contradictions.length - cRight.length, fn: labels.contradictions.length - cFound.length });

  const hasItem = (item: PacketContent['notSold'][number], match: string): boolean =>
    [item.item, ...item.sources.map((s) => s.quote)].some((t) => t.toLowerCase().includes(match.toLowerCase()));
  const nFound = labels.notSold.filter((l) => packet.notSold.some((i) => hasItem(i, l.match)));
  const nRight = packet.notSold.filter((i) => labels.notSold.some((l) => hasItem(i, l.match)));
  for (const l of labels.notSold) if (!nFound.includes(l)) mismatches.push({ type: 'not sold', kind: 'missed', what: l.match });
  for (const i of packet.notSold) if (!nRight.includes(i)) mismatches.push({ type: 'not sold', kind: 'spurious', what: i.item });
  add('not sold', { tp: nFound.length, fp: packet.notSold.length - nRight.length, fn: labels.notSold.length - nFound.length });

  const unowned = packet.dependencies.filter((d) => d.owner === 'unassigned');
  const uFound = labels.unassignedDependencies.filter((l) => unowned.some((d) => cites(d.sources, l.doc, l.quote)));
  const uRight = unowned.filter((d) => labels.unassignedDependencies.some((l) => cites(d.sources, l.doc, l.quote)));
  for (const l of labels.unassignedDependencies) if (!uFound.includes(l)) mismatches.push({ type: 'unassigned dependencies', kind: 'missed', what: `${l.doc}: ${l.quote}` });
  for (const d of unowned) if (!uRight.includes(d)) mismatches.push({ type: 'unassigned dependencies', kind: 'spurious', what: `${d.dependency} (${d.sources[0].documentId}: ${d.sources[0].quote})` });
  add('unassigned dependencies', { tp: uFound.length, fp: unowned.length - uRight.length, fn: labels.unassignedDependencies.length - uFound.length });

  const labelledSecrets = new Set(labels.secrets.map((s) => s.doc));
  const predictedSecrets = new Set(secretDocs);
  const sTp = [...labelledSecrets].filter((d) => predictedSecrets.has(d)).length;
  for (const d of labelledSecrets) if (!predictedSecrets.has(d)) mismatches.push({ type: 'secrets', kind: 'missed', what: d });
  for (const d of predictedSecrets) if (!labelledSecrets.has(d)) mismatches.push({ type: 'secrets', kind: 'spurious', what: d });
  add('secrets', { tp: sTp, fp: predictedSecrets.size - sTp, fn: labelledSecrets.size - sTp });
}

/** Precision and recall; undefined where nothing was predicted (precision) or labelled (recall). */
export function rates(c: Counts): { precision?: number; recall?: number } {
  return {
    precision: c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : undefined,
    recall: c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : undefined,
  };
}
