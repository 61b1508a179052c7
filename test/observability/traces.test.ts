import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { bundleWorkflowCode } from '@temporalio/worker';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createApp } from '../../src/api/app';
import { startTracing, workflowTracingModules, type Tracing } from '../../src/observability/tracing';
import { loadSharedFixture, withDealId } from '../support/fixtures';
import { startHarness, waitForStage, type Harness } from '../support/harness';

// Traces across the parts: a request to the API, the workflow it starts or updates (trace context in
// Temporal headers), the workflow's own spans (leaving the sandbox through the exporter sink) and its
// activities all share one trace id. Spans go to an in-memory exporter instead of OTLP.

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let h: Harness;

beforeAll(async () => {
  tracing = startTracing({}, 'handoff-test', exporter)!;
  // The shared test bundle has no tracing interceptors (as production without OTel): build one with them.
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules: workflowTracingModules,
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: console.error },
  });
  h = await startHarness({}, { tracing, workflowBundle: { code: bundle.code } });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await tracing?.shutdown();
});

const spans = () => exporter.getFinishedSpans();
const named = (prefix: string, traceId?: string) => spans().filter((s) => s.name.startsWith(prefix) && (!traceId || s.spanContext().traceId === traceId));

/** Waits until spans with these name prefixes have been exported in the trace (the worker flushes workflow spans after each task). */
async function spansInTrace(traceId: string, prefixes: string[]): Promise<ReadableSpan[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const inTrace = spans().filter((s) => s.spanContext().traceId === traceId);
    if (prefixes.every((p) => inTrace.some((s) => s.name.startsWith(p)))) return inTrace;
    if (Date.now() > deadline) throw new Error(`trace ${traceId} has ${inTrace.map((s) => s.name).join(', ')}; expected ${prefixes.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The workflow's activity spans and the ids of the StartActivity spans in the trace, once each has its
 * parent there. An activity's span ends when the attempt does; the workflow's StartActivity span only
 * when the workflow has taken the result, a task later (the read model shows a stage as soon as its
 * progress write ran, before that). Read from one snapshot, so no span finishes between the two.
 */
async function activitiesScheduledInTrace(traceId: string, workflowId: string): Promise<{ ran: ReadableSpan[]; scheduled: Set<string> }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const finished = spans();
    const ran = finished.filter((s) => s.name.startsWith('RunActivity:') && s.attributes.temporalWorkflowId === workflowId);
    const scheduled = new Set(finished.filter((s) => s.name.startsWith('StartActivity:') && s.spanContext().traceId === traceId).map((s) => s.spanContext().spanId));
    const orphans = ran.filter((s) => s.parentSpanId === undefined || !scheduled.has(s.parentSpanId));
    if (orphans.length === 0 || Date.now() > deadline) return { ran, scheduled };
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('one handoff: the start request, its workflow and the activities share a trace; a decision traces to its update handler', async () => {
  const bundle = withDealId(loadSharedFixture('worked-example'), 'otel');
  const started = await h.request('POST', '/handoffs', { token: h.tokens['u-ben'], body: bundle });
  expect(started.status).toBe(201);
  const { handoffId } = started.body;

  const [request] = named('POST /handoffs').filter((s) => s.attributes['handoff.request_id'] === started.headers.get('x-request-id'));
  expect(request).toBeDefined();
  expect(request.attributes['http.response.status_code']).toBe(201);
  const traceId = request.spanContext().traceId;

  const inReview = await waitForStage(h, handoffId, ['in_review']);
  const trace = await spansInTrace(traceId, ['StartWorkflow:implementationHandoff', 'StartActivity:', 'RunActivity:']);
  // API → client: the workflow start is a child of the request's span.
  const start = trace.find((s) => s.name === 'StartWorkflow:implementationHandoff')!;
  expect(start.parentSpanId).toBe(request.spanContext().spanId);
  // Workflow → activities: every activity that ran for this handoff so far belongs to the start's trace.
  const { ran, scheduled } = await activitiesScheduledInTrace(traceId, handoffId);
  expect(ran.length).toBeGreaterThan(1);
  expect(new Set(ran.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
  expect(ran.every((s) => s.parentSpanId !== undefined && scheduled.has(s.parentSpanId))).toBe(true);

  // A decision is its own request: its trace runs from the API span into the workflow's update handler.
  const item = inReview.reviewItems[0];
  const decided = await h.request('POST', `/handoffs/${handoffId}/review-items/${item.id}/decision`, {
    token: h.tokens[item.routeTo],
    body: { decision: 'rejected', comment: 'not in the contract', packetVersion: inReview.packet.version },
  });
  expect(decided.status).toBe(200);
  const [decision] = named('POST /handoffs/:id/review-items/:itemId/decision').filter((s) => s.attributes['handoff.request_id'] === decided.headers.get('x-request-id'));
  expect(decision).toBeDefined();
  expect(decision.spanContext().traceId).not.toBe(traceId);
  const updateTrace = await spansInTrace(decision.spanContext().traceId, ['StartWorkflowUpdate:', 'HandleUpdate:']);
  expect(updateTrace.find((s) => s.name.startsWith('StartWorkflowUpdate:'))!.parentSpanId).toBe(decision.spanContext().spanId);
});

test('log lines carry the request id and the trace id; a caller\'s traceparent continues its trace', async () => {
  const lines: any[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const app = createApp({ client: h.client, pool: h.pool, config: h.config, logger: pino({ level: 'info' }, sink) });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/handoffs`, {
      headers: { authorization: `Bearer ${h.tokens['u-ana']}`, traceparent: `00-${callerTrace}-00f067aa0ba902b7-01`, 'x-request-id': 'req-otel-1' },
    });
    expect(res.status).toBe(200);
    await res.text();
    const done = lines.find((l) => l.msg === 'request completed' && l.req?.id === 'req-otel-1');
    expect(done).toMatchObject({ traceId: callerTrace, req: { id: 'req-otel-1' } });
    const span = named('GET /handoffs', callerTrace).find((s) => s.attributes['handoff.request_id'] === 'req-otel-1');
    expect(span?.parentSpanId).toBe('00f067aa0ba902b7');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
