// Custom search attributes of DESIGN.md, as `temporal server start-dev --search-attribute` takes them.
// On a real cluster: `temporal operator search-attribute create --name <Name> --type <Type>` for each.
export const handoffSearchAttributeTypes = {
  HandoffStage: 'Keyword',
  DealId: 'Keyword',
  CustomerName: 'Keyword',
  ImplementationOwner: 'Keyword',
  OpenQuestionCount: 'Int',
  KickoffTarget: 'Datetime',
} as const;
