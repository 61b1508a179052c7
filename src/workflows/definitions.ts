import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { z } from 'zod';
import { Person } from '../domain/intake';
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

// The one module that names the workflow's messages; the API and tests import it too.

export const WORKFLOW_TYPE = 'implementationHandoff';

/** The workflow's input: references into Postgres, never the documents themselves. */
export const HandoffInput = z.object({
  handoffId: z.string(),
  dealId: z.string(),
  customerName: z.string(),
  bundleHash: z.string(),
  kickoffTarget: z.string().optional(),
  systemOfRecord: z.object({ system: z.string(), recordId: z.string() }).optional(),
  /** Review SLAs in seconds (hours in production, seconds in tests), fixed at start. */
  sla: z.object({ reminderAfterS: z.number().positive(), escalateAfterS: z.number().positive(), repeatEveryS: z.number().positive() }),
  owners: z.object({
    handoffOwner: Person.nullish(),
    sales: Person.nullish(),
    implementation: Person.nullish(),
    escalation: Person.nullish(),
  }),
});
export type HandoffInput = z.infer<typeof HandoffInput>;

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
