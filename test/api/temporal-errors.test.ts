import {
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, NamespaceNotFoundError } from '@temporalio/common';
import { HttpProblem } from '../../src/api/problem';
import { GrpcStatus, grpcCodeOf, RETRY_AFTER_S, toHttpProblem } from '../../src/api/temporal-errors';

// The mapping from Temporal errors to HTTP problems, by SDK error class and gRPC status code, with
// errors shaped as the SDK builds them. No services: what each error means, not how it is produced
// (test/api/temporal-calls.test.ts produces them on a real server and worker).

/** An error as @grpc/grpc-js raises it: code, details, metadata. */
const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
/** What the client throws for a failed RPC: ServiceError wrapping the gRPC error. */
const serviceError = (code: number, details: string) => new ServiceError('Failed to query Workflow', { cause: grpcError(code, details) });

const mapped = (err: unknown) => {
  const problem = toHttpProblem(err, 'handoff-D-1');
  return problem instanceof HttpProblem ? { status: problem.status, detail: problem.message, extra: problem.extra } : problem;
};
const statusOf = (err: unknown) => (mapped(err) as { status?: number }).status;

describe('update refusals by ApplicationFailure type', () => {
  test.each([
    ['not_found', 404],
    ['forbidden', 403],
    ['conflict', 409],
  ])('type %s answers %i with the validator\'s message', (type, status) => {
    const err = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message: 'item r9 is not routed to you', nonRetryable: true }));
    expect(mapped(err)).toMatchObject({ status, detail: 'item r9 is not routed to you' });
  });

  test('any other refusal (an older workflow version without the handler) is a 409 that changed nothing', () => {
    // The SDK rejects an update it has no handler for with ApplicationFailure.nonRetryable(message): type "Error".
    const err = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('No registered handler for update: changeOwners'));
    expect(mapped(err)).toMatchObject({ status: 409, detail: expect.stringContaining('refused this action') });
  });

  test('an update that failed without an application failure (cancelled) is a 409', () => {
    expect(statusOf(new WorkflowUpdateFailedError('Workflow Update failed', new CancelledFailure('cancelled')))).toBe(409);
  });
});

describe('SDK error classes', () => {
  test('a missing workflow is 404', () => {
    expect(statusOf(new WorkflowNotFoundError('workflow not found', 'handoff-D-1', undefined))).toBe(404);
  });
  test('a query the workflow version does not answer is 409', () => {
    expect(statusOf(new QueryNotRegisteredError('query not registered', GrpcStatus.INVALID_ARGUMENT))).toBe(409);
  });
  test('a rejected query is 409', () => {
    expect(statusOf(new QueryRejectedError(2))).toBe(409);
  });
  test('a second start of a running workflow is 409', () => {
    expect(statusOf(new WorkflowExecutionAlreadyStartedError('already started', 'handoff-D-1', 'implementationHandoff'))).toBe(409);
  });
  test('an update call that ran out of time is 503 with a retry hint, and says the action may still happen', () => {
    const err = new WorkflowUpdateRPCTimeoutOrCancelledError('Deadline exceeded', { cause: grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded') });
    expect(mapped(err)).toMatchObject({ status: 503, extra: { retryAfter: RETRY_AFTER_S }, detail: expect.stringContaining('same requestId') });
  });
  test('an unknown namespace is 503 (the API is misconfigured, not the request)', () => {
    expect(statusOf(new NamespaceNotFoundError('nowhere'))).toBe(503);
  });
});

describe('gRPC status codes under ServiceError', () => {
  test.each([
    [GrpcStatus.DEADLINE_EXCEEDED, 'query timed out before a worker could process it', 503],
    [GrpcStatus.FAILED_PRECONDITION, 'no poller seen for task queue recently, worker may be down', 503],
    [GrpcStatus.UNAVAILABLE, 'connect ECONNREFUSED', 503],
    [GrpcStatus.RESOURCE_EXHAUSTED, 'namespace rate limit exceeded', 503],
    [GrpcStatus.CANCELLED, 'cancelled', 503],
    [GrpcStatus.NOT_FOUND, 'workflow not found', 404],
    [GrpcStatus.ALREADY_EXISTS, 'already exists', 409],
  ])('code %i (%s) answers %i', (code, details, status) => {
    expect(statusOf(serviceError(code, details))).toBe(status);
    // The raw gRPC error (no SDK wrapper) maps the same way.
    expect(statusOf(grpcError(code, details))).toBe(status);
  });

  test('a code that means a bug (INVALID_ARGUMENT) stays an error: a 500, logged', () => {
    const err = serviceError(GrpcStatus.INVALID_ARGUMENT, 'bad request');
    expect(toHttpProblem(err, 'handoff-D-1')).toBe(err);
  });

  test('the code is found through a cause chain', () => {
    const deep = new Error('outer', { cause: new ServiceError('middle', { cause: grpcError(GrpcStatus.UNAVAILABLE, 'down') }) });
    expect(grpcCodeOf(deep)).toBe(GrpcStatus.UNAVAILABLE);
    expect(statusOf(deep)).toBe(503);
  });
});

test('message text alone decides nothing: an Error that says "deadline exceeded" or "completed" is not mapped', () => {
  for (const message of ['4 DEADLINE_EXCEEDED: deadline exceeded', 'workflow execution already completed', 'no poller', 'unavailable']) {
    const err = new Error(message);
    expect(toHttpProblem(err, 'handoff-D-1')).toBe(err);
  }
});

test('an HTTP problem passes through unchanged', () => {
  const problem = new HttpProblem(422, 'Unprocessable Content', 'x');
  expect(toHttpProblem(problem, 'handoff-D-1')).toBe(problem);
});
