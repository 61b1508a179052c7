import type { RequestHandler, Response } from 'express';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';

// One server span per request, the parent of the Temporal client's spans (so of the workflow and its
// activities). An incoming W3C `traceparent` continues the caller's trace. Without a registered
// tracer provider (no OTEL_EXPORTER_OTLP_ENDPOINT) OpenTelemetry's API records nothing.

const tracer = trace.getTracer('handoff-api');

/** The trace id of the request's span, for its log lines (unset when tracing is off). */
export const traceIdOf = (res: Response): string | undefined => res.locals.traceId as string | undefined;

export function requestTracing(): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.path.slice(0, 100)}`,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.path.slice(0, 300) } },
      parent,
    );
    if (span.isRecording()) res.locals.traceId = span.spanContext().traceId;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      // The route template names the span (low cardinality); pino-http has set the request id by now.
      const route = req.routeLabel;
      if (route) span.updateName(`${req.method} ${route}`).setAttribute(ATTR_HTTP_ROUTE, route);
      if (typeof req.id === 'string') span.setAttribute('handoff.request_id', req.id);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}
