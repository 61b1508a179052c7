import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';

// RFC 9457 problem details: every error a client sees has this shape.

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

export const notFound = (detail: string) => new HttpProblem(404, 'Not Found', detail);
export const forbidden = (detail: string) => new HttpProblem(403, 'Forbidden', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail);

export function sendProblem(res: Response, status: number, title: string, detail?: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type('application/problem+json').json({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra });
}

/** zod issues as `{ path: "documents.0.kind", message }`, the field paths clients fix. */
export const zodIssues = (error: z.ZodError) =>
  error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof z.ZodError) return sendProblem(res, 400, 'Bad Request', 'the request is not valid', { errors: zodIssues(err) });
    if (err instanceof HttpProblem) return sendProblem(res, err.status, err.title, err.message, err.extra);
    // body-parser's own errors carry a status and a type.
    const status = typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (err?.type === 'entity.parse.failed') return sendProblem(res, 400, 'Bad Request', 'the body is not valid JSON');
    if (err?.type === 'entity.too.large') return sendProblem(res, 413, 'Content Too Large', 'the body is larger than this API accepts');
    if (status >= 400 && status < 500) return sendProblem(res, status, 'Bad Request', err?.expose ? String(err.message) : undefined);
    logger.error({ err, reqId: req.id }, 'unhandled error');
    return sendProblem(res, 500, 'Internal Server Error');
  };
}
