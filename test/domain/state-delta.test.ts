import { applyChanges, diff, valueAt, type Change } from '../../src/domain/state-delta';

const doc = (over: Record<string, unknown> = {}) => ({
  state: {
    stage: 'in_review',
    reviewItems: [
      { id: 'r1', summary: 'one' },
      { id: 'r2', summary: 'two' },
    ],
    signoffs: {} as Record<string, unknown>,
    ...over,
  },
  owners: { sales: 'u-ben' },
});

describe('state changes', () => {
  it('names only what changed: one review item, one signoff, a removed field', () => {
    const before = doc({ releaseBlocked: { reason: 'x' } });
    const after = doc({ signoffs: { sales: { by: 'u-ben' } } });
    after.state.reviewItems[1] = { id: 'r2', summary: 'two', decision: 'approved' } as never;
    const changes = diff(before, after);
    expect(changes).toEqual([
      { path: ['state', 'reviewItems', 'r2', 'decision'], value: 'approved' },
      { path: ['state', 'signoffs', 'sales'], value: { by: 'u-ben' } },
      { path: ['state', 'releaseBlocked'], remove: true },
    ]);
    expect(applyChanges(before, changes)).toEqual(after);
  });

  it('replaces an array whole when elements were removed or reordered, and appends new ones by id', () => {
    const before = doc();
    const redrafted = doc({ reviewItems: [{ id: 'r9', summary: 'new' }] });
    expect(diff(before, redrafted)).toEqual([{ path: ['state', 'reviewItems'], value: [{ id: 'r9', summary: 'new' }] }]);
    const extended = doc({ reviewItems: [...before.state.reviewItems, { id: 'r3', summary: 'three' }] });
    expect(diff(before, extended)).toEqual([{ path: ['state', 'reviewItems', 'r3'], value: { id: 'r3', summary: 'three' } }]);
    expect(applyChanges(before, diff(before, extended))).toEqual(extended);
  });

  it('a whole document from nothing, and the input is never modified', () => {
    const target = doc();
    const changes = diff(undefined, target);
    expect(changes).toEqual([{ path: [], value: target }]);
    const base = doc();
    const copy = JSON.parse(JSON.stringify(base));
    applyChanges(base, [{ path: ['state', 'stage'], value: 'completed' }]);
    expect(base).toEqual(copy);
  });

  it('reads values by path, with array segments as element ids', () => {
    expect(valueAt(doc(), ['state', 'reviewItems', 'r2', 'summary'])).toBe('two');
    expect(valueAt(doc(), ['state', 'reviewItems', 'r7'])).toBeUndefined();
  });

  // The workflow's write carries diff(lastWritten, now) plus the current value of every path an
  // update touched since; applied on any revision the API may have reached, it must give `now`.
  it.each([3, 4])('a write-behind applies on every intermediate revision, including values changed and changed back (depth %i)', (depth) => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let trial = 0; trial < 200; trial++) {
      const revisions = [doc()];
      const touched: string[][] = [];
      for (let step = 0; step < 6; step++) {
        const prev = revisions[revisions.length - 1];
        const next = JSON.parse(JSON.stringify(prev));
        const pick = random(6);
        if (pick === 0) next.state.signoffs.sales = { by: `u-${step}` };
        if (pick === 1) next.state.signoffs = {};
        if (pick === 2) next.state.reviewItems[random(next.state.reviewItems.length)].decision = `d${step}`;
        if (pick === 3) next.state.reviewItems.push({ id: `n${trial}-${step}`, summary: 'added' });
        if (pick === 4) next.state.releaseBlocked = step % 2 ? { reason: 'blocked' } : undefined;
        // A redraft: the same ids with new content, decisions cleared.
        if (pick === 5) next.state.reviewItems = next.state.reviewItems.map((i: { id: string }) => ({ id: i.id, summary: `redrafted ${step}` }));
        const changes: Change[] = diff(prev, JSON.parse(JSON.stringify(next)), depth);
        touched.push(...changes.map((c) => c.path));
        revisions.push(JSON.parse(JSON.stringify(next)));
      }
      const now = revisions[revisions.length - 1];
      const write: Change[] = [
        ...diff(revisions[0], now, depth),
        ...touched.map((path) => {
          const value = valueAt(now, path);
          return value === undefined ? { path, remove: true as const } : { path, value };
        }),
      ];
      for (const stored of revisions.slice(0, -1)) expect(applyChanges(stored, write)).toEqual(now);
    }
  });
});
