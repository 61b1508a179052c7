import nlp from 'compromise';

// The language parts of the rules drafter that regexes do badly: whether a clause's verb is negated
// ("we cannot offer", "does not expect") and numbers written in words ("fifty-two thousand").
// compromise tags a clause in about a millisecond, so callers ask only about the few clauses a
// cheap pattern has already picked out. Node-side only: the workflow bundle never imports this.

/** True when the clause's commitment verb is negated ("cannot offer", "does not expect", "won't"). */
export function hasNegatedVerb(clause: string): boolean {
  return nlp(clause).verbs().isNegative().found;
}

const SPELLED = /\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)\b[\w\s-]*?\b(?:thousand|million|hundred)\b/i;

/** The first number written in words that reaches a hundred or more ("fifty-two thousand" -> 52000). */
export function spelledAmount(text: string): { value: number; text: string } | undefined {
  const m = SPELLED.exec(text);
  if (!m) return undefined;
  const numbers = nlp(text).numbers().json() as Array<{ text: string; number?: { num?: number } }>;
  const found = numbers.find((n) => (n.number?.num ?? 0) >= 100 && /[a-z]/i.test(n.text));
  return found?.number?.num !== undefined ? { value: found.number.num, text: found.text } : undefined;
}
