import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config';

// OpenTelemetry traces across processes: API request → workflow (client interceptor puts the trace
// context in Temporal headers) → workflow (its interceptors, spans leave the sandbox through a sink)
// → activities. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing is loaded into the
// workflow bundle and no span is recorded (the API's request spans go to OpenTelemetry's no-op tracer).

export interface Tracing {
  resource: Resource;
  processor: SpanProcessor;
  provider: NodeTracerProvider;
  /** Sends what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Registers this process's tracer provider (W3C trace context, AsyncLocalStorage context) when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, exporting over OTLP/HTTP in batches. Tests pass their own
 * exporter (in memory), exported span by span.
 */
export function startTracing(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>, serviceName: string, exporter?: SpanExporter): Tracing | undefined {
  if (!exporter && !config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME ?? serviceName }));
  // The OTLP exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (adding /v1/traces) and OTEL_EXPORTER_OTLP_HEADERS itself.
  const processor = exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  return { resource, processor, provider, shutdown: () => provider.shutdown() };
}

/** The Temporal client's interceptors: the active trace context travels with each workflow start, update and query. */
export function clientTracingInterceptors(tracing: Tracing | undefined): { workflow: WorkflowClientInterceptor[] } | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

/**
 * Workflow interceptor modules for the bundle. A bundle built ahead of time (HANDOFF_WORKFLOW_BUNDLE)
 * must be built with these (bundleWorkflowCode's workflowInterceptorModules) to trace workflows.
 */
export const workflowTracingModules = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/** Worker options that trace activities and, through the exporter sink, the workflow's own spans. */
export function workerTracingOptions(tracing: Tracing | undefined, bundled: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) return {};
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      ...(bundled ? {} : { workflowModules: workflowTracingModules }),
    },
    sinks: { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) },
  };
}
