import { cite, type AnalyzedDocument } from './evidence';
import type { IntakeBundle } from './intake';
import type { PacketContent } from './packet';

// The people on the deal, each cited where the evidence mentions them.

export function stakeholdersOf(bundle: IntakeBundle, docs: AnalyzedDocument[]): PacketContent['stakeholders'] {
  const sentences = docs.filter((d) => !d.crm).flatMap((d) => d.sentences);
  return bundle.stakeholders.map((person) => {
    const full = wordPattern(person.name);
    const first = wordPattern(person.name.split(/\s+/)[0]);
    const mentions = sentences.filter((s) => full.test(s.text));
    const cited = (mentions.length > 0 ? mentions : sentences.filter((s) => first.test(s.text))).slice(0, 3).map(cite);
    return {
      name: person.name,
      ...(person.title ? { title: person.title } : {}),
      side: person.side,
      role: person.role,
      sources: cited,
    };
  });
}

const wordPattern = (words: string): RegExp => new RegExp(`\\b${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
