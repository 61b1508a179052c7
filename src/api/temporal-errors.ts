import type { ErrorRequestHandler } from 'express';
import {
  isGrpcServiceError,
  QueryNotRegisteredError,
  QueryRejectedError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type Connection,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, NamespaceNotFoundError } from '@temporalio/common';
import { conflict, forbidden, HttpProblem, notFound } from './problem';

// Temporal's answers as HTTP problems, told apart by SDK error class and gRPC status code (never by
// message text, which changes between server versions), and every workflow call the API makes
// bounded by a short deadline: with no worker, a query would otherwise hang ~30 s and an update forever.

/** How long the API waits for the workflow: a query needs one workflow task, an update two. */
export const WORKFLOW_CALL_TIMEOUT_MS = { query: 5_000, update: 10_000, history: 10_000 } as const;
export type WorkflowCallKind = keyof typeof WORKFLOW_CALL_TIMEOUT_MS;

/** What a client that got 503 should wait before retrying (Retry-After, seconds). */
export const RETRY_AFTER_S = 5;

/** gRPC status codes (https://grpc.io/docs/guides/status-codes/) the mapping tells apart. */
export const GrpcStatus = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

/**
 * The service cannot answer now, and the same request may work later: the deadline passed (no worker
 * took the task), the server is down or overloaded, or it refuses until a precondition holds (no
 * poller seen on the task queue; the update limit of a run until it continues as new).
 */
const retryLater = new Set<number>([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.ABORTED,
  GrpcStatus.UNAVAILABLE,
]);

/** The gRPC status code of an error or of the first error in its cause chain that has one. */
export function grpcCodeOf(err: unknown): number | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/** Validators reject by throwing an ApplicationFailure whose type names the HTTP status (src/domain/rules.ts). */
const refusals: Record<string, (message: string) => HttpProblem> = {
  not_found: notFound,
  forbidden,
  conflict,
};

const unavailableProblem = (detail: string) => new HttpProblem(503, 'Service Unavailable', detail, { retryAfter: RETRY_AFTER_S });

/** One Temporal error as an HTTP problem; anything it does not recognise is returned unchanged (a 500). */
export function toHttpProblem(err: unknown, handoffId: string): unknown {
  if (err instanceof HttpProblem) return err;
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const refuse = cause.type ? refusals[cause.type] : undefined;
      // Any other refusal (e.g. an older workflow version without this update's handler) changed nothing.
      return refuse ? refuse(cause.message) : conflict(`handoff ${handoffId} refused this action: ${cause.message}`);
    }
    return conflict(`handoff ${handoffId} did not complete this action`);
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    // The update may still be delivered when a worker polls again; its request id makes a retry safe.
    return unavailableProblem(`handoff ${handoffId} did not answer in time; the action may still take effect, retry with the same requestId`);
  }
  if (err instanceof WorkflowNotFoundError) return notFound(`no handoff ${handoffId}`);
  if (err instanceof QueryNotRegisteredError) return conflict(`handoff ${handoffId} does not answer this query in its workflow version`);
  if (err instanceof QueryRejectedError) return conflict(`handoff ${handoffId} refused the query`);
  if (err instanceof WorkflowExecutionAlreadyStartedError) return conflict(`handoff ${handoffId} is already running`);
  if (err instanceof NamespaceNotFoundError) return unavailableProblem('the workflow service does not know this API\'s namespace');
  const code = grpcCodeOf(err);
  if (code !== undefined) {
    if (retryLater.has(code)) return unavailableProblem('the workflow service did not answer in time; retry later');
    if (code === GrpcStatus.NOT_FOUND) return notFound(`no handoff ${handoffId}`);
    if (code === GrpcStatus.ALREADY_EXISTS) return conflict(`handoff ${handoffId} is already running`);
  }
  return err;
}

/** The earlier of `ms` from now and a deadline the caller already set (e.g. the inbox's own). */
function deadlineWithin(client: Client, ms: number): number {
  const own = Date.now() + ms;
  // Connection keeps withDeadline's deadline in an AsyncLocalStorage; ConnectionLike does not show it.
  const outer = (client.connection as Partial<Pick<Connection, 'callContextStorage'>>).callContextStorage?.getStore()?.deadline;
  const outerMs = outer === undefined ? undefined : typeof outer === 'number' ? outer : outer.getTime();
  return outerMs === undefined ? own : Math.min(own, outerMs);
}

/** A workflow that exists and is closed (completed, cancelled, ...): the server answers an update to it NOT_FOUND. */
async function isClosed(client: Client, handle: WorkflowHandle): Promise<boolean> {
  try {
    const description = await client.withDeadline(Date.now() + WORKFLOW_CALL_TIMEOUT_MS.query, () => handle.describe());
    return description.status.name !== 'RUNNING';
  } catch {
    return false;
  }
}

/**
 * Runs one call on a handoff's workflow within the deadline for its kind, and answers failures as
 * HTTP problems: 404 missing, 409 refused or finished, 503 (with Retry-After) when no worker answers.
 */
export async function callWorkflow<T>(client: Client, handoffId: string, kind: WorkflowCallKind, work: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  const handle = client.workflow.getHandle(handoffId);
  try {
    return await client.withDeadline(deadlineWithin(client, WORKFLOW_CALL_TIMEOUT_MS[kind]), () => work(handle));
  } catch (err) {
    // NOT_FOUND for an update means missing or already closed: only a describe tells them apart.
    if (kind === 'update' && err instanceof WorkflowNotFoundError && (await isClosed(client, handle))) {
      throw conflict(`handoff ${handoffId} is finished`);
    }
    throw toHttpProblem(err, handoffId);
  }
}

/**
 * Express error middleware before the problem handler: a Temporal error no route mapped becomes its
 * problem too, and every 503 says when to retry.
 */
export function temporalProblems(): ErrorRequestHandler {
  return (err, req, res, next) => {
    // Anything that is not a Temporal error comes back unchanged.
    const mapped = toHttpProblem(err, req.handoffId ?? 'this handoff');
    if (mapped instanceof HttpProblem && mapped.status === 503) res.set('retry-after', String(RETRY_AFTER_S));
    next(mapped);
  };
}
