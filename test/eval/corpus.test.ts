import { evaluate, halves, loadHalf } from '../../eval/run';
import { rates, scorePacket, type Score } from '../../eval/score';
import { draftPacket } from '../../src/domain/draft';
import type { PacketContent } from '../../src/domain/packet';

// The labelled eval corpus (eval/corpus, eval/labels): its shape, the matching rule of each finding
// type, and floors under the rules drafter's figures so a change that loses findings fails here.
// The figures themselves are printed by `npm run eval`.

describe('the eval corpus', () => {
  const cases = halves.flatMap((h) => loadHalf(h).map((c) => ({ ...c, half: h })));

  it('holds at least 85 bundles in at least 40 industries, split in two halves', () => {
    expect(cases.length).toBeGreaterThanOrEqual(85);
    expect(new Set(cases.map((c) => c.labels.industry)).size).toBeGreaterThanOrEqual(40);
    for (const h of halves) expect(cases.filter((c) => c.half === h).length).toBeGreaterThanOrEqual(20);
  });

  it('labels quote their documents verbatim', () => {
    for (const { bundle, labels, name } of cases) {
      const text = (id: string) => bundle.documents.find((d) => d.id === id)?.text ?? '';
      for (const l of [...labels.impliedPromises, ...labels.unassignedDependencies]) expect(`${name}: ${text(l.doc).includes(l.quote)}`).toBe(`${name}: true`);
      for (const c of labels.contradictions) for (const d of c.docs) expect(d === 'crm' || text(d).length > 0).toBe(true);
    }
  });
});

describe('matching rules', () => {
  const base: PacketContent = draftPacket(loadHalf('dev')[0].bundle);
  const labels = loadHalf('dev')[0].labels;
  const score = (packet: PacketContent): Score => {
    const s: Score = new Map();
    scorePacket(packet, labels, ['call-1'], s);
    return s;
  };

  it('a promise counts only when it cites the labelled sentence with the labelled category', () => {
    const right = score(base).get('promises (all)')!;
    const wrongCategory = structuredClone(base);
    wrongCategory.impliedPromises = wrongCategory.impliedPromises.map((p) => ({ ...p, category: p.category === 'feasibility' ? 'scope_promise' : 'feasibility' }));
    const wrong = score(wrongCategory).get('promises (all)')!;
    expect(wrong.tp).toBeLessThan(right.tp);
    expect(wrong.fp).toBeGreaterThan(right.fp);
  });

  it('a contradiction counts only with the same fact and the same two documents', () => {
    expect(score(base).get('contradictions')).toEqual({ tp: 1, fp: 0, fn: 0 });
    const swapped = structuredClone(base);
    const failure = swapped.gates.failures.find((f) => f.code === 'contradiction')!;
    failure.detail = failure.detail.replace(/^The go-live date/, 'The amount');
    expect(score(swapped).get('contradictions')).toEqual({ tp: 0, fp: 1, fn: 1 });
  });

  it('rates leave precision undefined when nothing was predicted', () => {
    expect(rates({ tp: 0, fp: 0, fn: 2 })).toEqual({ precision: undefined, recall: 0 });
  });
});

describe('rules drafter on the corpus (floors; npm run eval prints the figures)', () => {
  it.each(halves)('%s half: implied promises and contradictions stay at or above their floors', async (half) => {
    const { score } = await evaluate(loadHalf(half), (b) => draftPacket(b));
    const promises = rates(score.get('promises (all)')!);
    const contradictions = rates(score.get('contradictions')!);
    // Floors a little under what the drafter reaches (README table), so noise-free regressions fail.
    const floor = half === 'dev' ? 0.97 : 0.88;
    expect(promises.precision).toBeGreaterThanOrEqual(floor);
    expect(promises.recall).toBeGreaterThanOrEqual(floor);
    expect(contradictions.precision).toBeGreaterThanOrEqual(0.95);
    expect(contradictions.recall).toBeGreaterThanOrEqual(0.95);
  });
});
