import type { RequestHandler } from 'express';
import { storableText, unstorableReason } from '../db/safe-text';
import { badRequest } from './problem';

// One check of every parsed JSON body, before idempotency hashes it and before any schema reads it:
// no route has to remember it, and no string field can be missed.
//  - Depth: real bodies nest 4 levels (bundle → owners → person → email); a deeper one is an attack,
//    and hashing or validating it recursively would overflow the stack (a 500).
//  - Text: every string and key must be storable by Postgres and replayable from workflow history
//    (no NUL, no unpaired surrogate). Accepting one would make a later activity fail on every retry.

export const MAX_BODY_DEPTH = 16;

export interface BodyIssue {
  path: string;
  message: string;
}

/** Field paths as zod writes them ("documents.0.text"), capped, and storable themselves (the key may be the culprit). */
const dotted = (path: string[]) => storableText(path.join('.').slice(0, 500));

/** The first problem in a parsed JSON value, with its field path (zod's dotted form), or undefined. */
export function findBodyIssue(value: unknown, maxDepth = MAX_BODY_DEPTH): BodyIssue | undefined {
  // Iterative, so the check itself cannot overflow whatever the depth.
  const stack: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const reason = unstorableReason(v);
      if (reason) return { path: dotted(path), message: reason };
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    if (path.length >= maxDepth) return { path: dotted(path), message: `nested deeper than ${maxDepth} levels` };
    const entries = Object.entries(v);
    // Reverse, so the first field in document order is reported first.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, inner] = entries[i];
      const reason = unstorableReason(key);
      if (reason) return { path: dotted([...path, key]), message: `field name: ${reason}` };
      stack.push({ value: inner, path: [...path, key] });
    }
  }
  return undefined;
}

/** Express middleware: 400 with the field path when the parsed body fails `findBodyIssue`. */
export const bodyGuard: RequestHandler = (req, _res, next) => {
  const issue = findBodyIssue(req.body);
  if (issue) return next(badRequest('the request body is not valid', { errors: [issue] }));
  next();
};
