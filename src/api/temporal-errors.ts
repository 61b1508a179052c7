import { WorkflowNotFoundError, WorkflowUpdateFailedError, QueryNotRegisteredError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { conflict, forbidden, HttpProblem, notFound, unavailable } from './problem';

/** Turns the workflow's refusals (validator failures) and missing workflows into HTTP problems. */
export function toHttpProblem(err: unknown, handoffId: string): unknown {
  // An update sent to a finished workflow (the server answers NOT_FOUND, so test this first).
  if (err instanceof Error && /workflow execution (already|has already been) completed/i.test(err.message)) {
    return conflict(`handoff ${handoffId} is finished`);
  }
  if (err instanceof WorkflowNotFoundError) return notFound(`no handoff ${handoffId}`);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const { type, message } = err.cause;
    if (type === 'not_found') return notFound(message);
    if (type === 'forbidden') return forbidden(message);
    if (type === 'conflict') return conflict(message);
    // A handoff started on an older workflow version that predates this update.
    if (/no registered handler for update/i.test(message)) return conflict(`handoff ${handoffId} does not accept this action in its workflow version`);
  }
  if (err instanceof QueryNotRegisteredError) return conflict(`handoff ${handoffId} does not answer this query in its workflow version`);
  // No worker answered in time: the service, not the request, is at fault, and a retry may work.
  if (err instanceof Error && /deadline exceeded|no poller|unavailable/i.test(err.message) && !(err instanceof HttpProblem)) {
    return unavailable('the workflow service did not answer in time; retry later');
  }
  return err;
}
