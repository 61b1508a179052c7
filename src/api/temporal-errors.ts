import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { conflict, forbidden, HttpProblem, notFound } from './problem';

/** Turns the workflow's refusals (validator failures) and missing workflows into HTTP problems. */
export function toHttpProblem(err: unknown, handoffId: string): unknown {
  if (err instanceof WorkflowNotFoundError) return notFound(`no handoff ${handoffId}`);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const { type, message } = err.cause;
    if (type === 'not_found') return notFound(message);
    if (type === 'forbidden') return forbidden(message);
    if (type === 'conflict') return conflict(message);
  }
  // An update sent to a finished workflow.
  if (err instanceof Error && /workflow execution already completed/i.test(err.message)) {
    return new HttpProblem(409, 'Conflict', `handoff ${handoffId} is finished`);
  }
  return err;
}
