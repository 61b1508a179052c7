// Strings JavaScript holds that Postgres cannot store as written: text and jsonb refuse NUL
// (U+0000), jsonb refuses an unpaired UTF-16 surrogate ("\ud800"), and text silently turns one into
// U+FFFD. The API refuses both at the edge; activities use `storableText`/`storableJson` so data
// that got in some other way (older handoffs, drafted text) never makes a write fail for good.
// Pure: no Postgres or node-only imports, so the API and the activities can share it.

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE = new RegExp(`\\u0000|${LONE_SURROGATE.source}`, 'g');

/** Why Postgres would refuse this string, or undefined when it stores it as it is. */
export function unstorableReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'NUL characters are not accepted';
  if (LONE_SURROGATE.test(text)) return 'unpaired UTF-16 surrogates are not accepted (not valid Unicode)';
  return undefined;
}

export const isStorableText = (text: string): boolean => unstorableReason(text) === undefined;

/** The text with every NUL and lone surrogate replaced by U+FFFD, as a UTF-8 decoder would. */
export const storableText = (text: string): string => text.replace(UNSTORABLE, '\ufffd');

/**
 * A copy of a JSON-like value with `storableText` applied to every string and object key, for jsonb
 * columns. Returns the value itself when nothing needs replacing (checked without recursion, so
 * any depth is safe to check; only values that need repair are copied).
 */
export function storableJson<T>(value: T): T {
  if (!needsRepair(value)) return value;
  const fix = (v: unknown): unknown => {
    if (typeof v === 'string') return storableText(v);
    if (Array.isArray(v)) return v.map(fix);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(v)) out[storableText(key)] = fix(inner);
      return out;
    }
    return v;
  };
  return fix(value) as T;
}

function needsRepair(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (!isStorableText(v)) return true;
    } else if (v && typeof v === 'object' && !(v instanceof Date)) {
      for (const [key, inner] of Object.entries(v)) {
        if (!isStorableText(key)) return true;
        stack.push(inner);
      }
    }
  }
  return false;
}
