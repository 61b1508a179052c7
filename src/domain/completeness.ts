import type { PacketContent } from './packet';

// How much of the packet a delivery lead can rely on: the share of sections that have content.
// Ambiguities, promises, risks and questions are findings, so their absence is not a gap.

export const expectedSections = [
  'buyerGoal',
  'contractFacts',
  'buyerIntent',
  'soldScope',
  'notSold',
  'stakeholders',
  'dependencies',
  'firstThirtyDayCriteria',
  'firstMilestonePlan',
] as const;

type Sections = Pick<PacketContent, (typeof expectedSections)[number]>;

export function completenessOf(sections: Sections): PacketContent['completeness'] {
  const missing = expectedSections.filter((name) => {
    const value = sections[name];
    return value === null || (Array.isArray(value) && value.length === 0);
  });
  const score = Math.round(((expectedSections.length - missing.length) / expectedSections.length) * 100) / 100;
  return { score, missing: [...missing] };
}
