// What changed in a handoff's read-model document between two revisions, as a short list of "set
// this path" changes. The workflow sends changes instead of whole snapshots, so history keeps each
// fact once; the writers (bookkeeping activity, API after an update) apply them to the stored row.
// Plain TypeScript: the workflow imports it.

/** Set `value` at `path`, or remove what is there when `remove` is true. In an array, a segment is an element's id. */
export interface Change {
  path: string[];
  value?: unknown;
  remove?: true;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: unknown };

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const idOf = (v: unknown) => (isObject(v) && typeof v.id === 'string' ? v.id : undefined);

/** A deep copy through JSON, the form the document is stored in. */
export function snapshot<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * Changes that turn `before` into `after`. Within `depth` levels, objects are compared key by key
 * and arrays of elements with unique ids element by element (when no element was removed and the
 * old ones keep their order); anything else is replaced whole. The default reaches the fields of a
 * review item or question in a read-model document (doc / state / reviewItems / r1 / decision), so
 * a decision travels as its decision alone.
 */
export function diff(before: unknown, after: unknown, depth = 4, path: string[] = []): Change[] {
  if (same(before, after)) return [];
  if (after === undefined) return [{ path, remove: true }];
  if (depth > 0 && isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => diff(before[key], after[key], depth - 1, [...path, key]));
  }
  if (depth > 0 && Array.isArray(before) && Array.isArray(after) && extendsById(before, after)) {
    return after.flatMap((element, i) => diff(before[i], element, depth - 1, [...path, idOf(element)!]));
  }
  return [{ path, value: after }];
}

/** After keeps before's elements, by id and in order, and may add new ones at the end. */
function extendsById(before: unknown[], after: unknown[]): boolean {
  const ids = after.map(idOf);
  if (ids.some((id) => id === undefined) || new Set(ids).size !== ids.length) return false;
  return before.length <= after.length && before.every((element, i) => idOf(element) === ids[i]);
}

/** `doc` with the changes applied (a new document; `doc` is not modified). */
export function applyChanges<T>(doc: T, changes: Change[]): T {
  const root = { doc: snapshot(doc) as unknown } as Obj;
  for (const change of changes) {
    const path = ['doc', ...change.path];
    let container: unknown = root;
    for (const segment of path.slice(0, -1)) {
      const next = childOf(container, segment);
      if (next === undefined || next === null || typeof next !== 'object') {
        // A path through something absent: create it (objects only; arrays come whole).
        if (!isObject(container)) throw new Error(`cannot apply change at ${change.path.join('/')}`);
        container[segment] = {};
      }
      container = childOf(container, segment);
    }
    setChild(container, path[path.length - 1], change);
  }
  return root.doc as T;
}

function childOf(container: unknown, segment: string): unknown {
  if (Array.isArray(container)) return container.find((element) => idOf(element) === segment);
  return isObject(container) ? container[segment] : undefined;
}

function setChild(container: unknown, segment: string, change: Change): void {
  if (Array.isArray(container)) {
    const i = container.findIndex((element) => idOf(element) === segment);
    if (change.remove) {
      if (i >= 0) container.splice(i, 1);
    } else if (i >= 0) container[i] = change.value as Json;
    else container.push(change.value as Json);
    return;
  }
  if (!isObject(container)) throw new Error(`cannot apply change at ${change.path.join('/')}`);
  if (change.remove) delete container[segment];
  else container[segment] = change.value;
}

/** The value at `path` in `doc` (array segments by element id), or undefined when there is none. */
export function valueAt(doc: unknown, path: string[]): unknown {
  let at: unknown = doc;
  for (const segment of path) {
    at = childOf(at, segment);
    if (at === undefined) return undefined;
  }
  return at;
}
