import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type {
  AddEvidenceInput,
  AnswerQuestionInput,
  CancelInput,
  ChangeOwnersInput,
  HandoffAck,
  HandoffState,
  MilestoneStatusInput,
  RequestChangesInput,
  ReturnForContextInput,
  ReviewDecisionInput,
  SignoffInput,
} from '../domain/review';

// The one module that names the workflow's messages; the API and tests import it too. The workflow
// bundles it, so its runtime part is only these definitions: everything else is imported as a type.

export const WORKFLOW_TYPE = 'implementationHandoff';

/** The workflow's input; its zod schema is in domain/handoff-input, out of the workflow bundle. */
export type { HandoffInput } from '../domain/handoff-input';

export const stateQuery = defineQuery<HandoffState>('state');
export const decideReviewItemUpdate = defineUpdate<HandoffAck, [ReviewDecisionInput]>('decideReviewItem');
export const signoffUpdate = defineUpdate<HandoffAck, [SignoffInput]>('signoff');
export const answerQuestionUpdate = defineUpdate<HandoffAck, [AnswerQuestionInput]>('answerQuestion');
export const requestChangesUpdate = defineUpdate<HandoffAck, [RequestChangesInput]>('requestChanges');
export const returnForContextUpdate = defineUpdate<HandoffAck, [ReturnForContextInput]>('returnForContext');
export const milestoneStatusUpdate = defineUpdate<HandoffAck, [MilestoneStatusInput]>('milestoneStatus');
export const addEvidenceUpdate = defineUpdate<HandoffAck, [AddEvidenceInput]>('addEvidence');
export const changeOwnersUpdate = defineUpdate<HandoffAck, [ChangeOwnersInput]>('changeOwners');
export const cancelUpdate = defineUpdate<HandoffAck, [CancelInput]>('cancel');

export const searchAttributes = {
  stage: defineSearchAttributeKey('HandoffStage', SearchAttributeType.KEYWORD),
  dealId: defineSearchAttributeKey('DealId', SearchAttributeType.KEYWORD),
  customerName: defineSearchAttributeKey('CustomerName', SearchAttributeType.KEYWORD),
  implementationOwner: defineSearchAttributeKey('ImplementationOwner', SearchAttributeType.KEYWORD),
  openQuestionCount: defineSearchAttributeKey('OpenQuestionCount', SearchAttributeType.INT),
  kickoffTarget: defineSearchAttributeKey('KickoffTarget', SearchAttributeType.DATETIME),
};
