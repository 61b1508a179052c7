import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/pool';

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

export const badRequest = (detail: string, extra: Record<string, unknown> = {}) => new HttpProblem(400, 'Bad Request', detail, extra);
export const unauthorized = () => new HttpProblem(401, 'Unauthorized', 'a valid bearer token or session cookie is required');
export const notFound = (detail: string) => new HttpProblem(404, 'Not Found', detail);
export const forbidden = (detail: string) => new HttpProblem(403, 'Forbidden', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail);
export const unprocessable = (detail: string) => new HttpProblem(422, 'Unprocessable Content', detail);
export const unsupportedMediaType = (detail: string) => new HttpProblem(415, 'Unsupported Media Type', detail);
export const unavailable = (detail: string) => new HttpProblem(503, 'Service Unavailable', detail);

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  503: 'Service Unavailable',
};

export function sendProblem(res: Response, status: number, title: string, detail?: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type('application/problem+json').json({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra });
}

/** zod issues as `{ path: "documents.0.kind", message }`, the field paths clients fix. */
export const zodIssues = (error: z.ZodError, prefix?: string) =>
  error.issues.slice(0, 50).map((issue) => ({
    path: [...(prefix ? [prefix] : []), ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));

/** A zod failure on one part of the request (body, query, params), reported with that part as the path root. */
export const invalidRequest = (error: z.ZodError, part?: 'body' | 'query' | 'params' | 'headers') =>
  badRequest(part ? `the request ${part} is not valid` : 'the request is not valid', { errors: zodIssues(error, part === 'body' ? undefined : part) });

/** Every 400 carries `errors` naming where the fault is (the body root is the path ""), so clients handle them alike. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return; // The answer is already out; express would only close the socket.
    if (err instanceof z.ZodError) return sendProblem(res, 400, 'Bad Request', 'the request is not valid', { errors: zodIssues(err) });
    if (err instanceof HttpProblem) {
      const extra = err.status === 400 && !err.extra.errors ? { ...err.extra, errors: [{ path: '', message: err.message }] } : err.extra;
      return sendProblem(res, err.status, err.title, err.message, extra);
    }
    // body-parser's and the router's own errors carry a status and a type.
    if (err?.type === 'entity.parse.failed') return sendProblem(res, 400, 'Bad Request', 'the body is not valid JSON', { errors: [{ path: '', message: 'not valid JSON' }] });
    if (err?.type === 'entity.too.large') return sendProblem(res, 413, 'Content Too Large', 'the body is larger than this API accepts');
    if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') return sendProblem(res, 415, 'Unsupported Media Type', String(err.message));
    if (err instanceof URIError) return sendProblem(res, 400, 'Bad Request', 'the path is not valid percent-encoding', { errors: [{ path: 'params', message: 'not valid percent-encoding' }] });
    const status = typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const detail = err?.expose ? String(err.message) : undefined;
      return sendProblem(res, status, titles[status] ?? 'Bad Request', detail, status === 400 ? { errors: [{ path: '', message: detail ?? 'the request could not be read' }] } : {});
    }
    if (isDatabaseUnavailable(err)) {
      logger.warn({ err, reqId: req.id }, 'database unavailable');
      res.set('retry-after', '1');
      return sendProblem(res, 503, 'Service Unavailable', 'the database is busy or restarting; try again shortly');
    }
    logger.error({ err, reqId: req.id }, 'unhandled error');
    return sendProblem(res, 500, 'Internal Server Error');
  };
}
