import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { defineRoute } from './route-table';

// Prometheus metrics of the API: requests by route (the route table's path, never the raw URL,
// so handoff ids do not explode the label space) and status, plus the process defaults.

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'handoff_api_' });
  new Counter({ name: 'handoff_api_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers: [registry] });
  new Histogram({
    name: 'handoff_api_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return registry;
}

export function httpMetrics(registry: Registry): RequestHandler {
  const requests = registry.getSingleMetric('handoff_api_http_requests_total') as Counter;
  const duration = registry.getSingleMetric('handoff_api_http_request_duration_seconds') as Histogram;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const labels = { method: req.method, route: req.routeLabel ?? 'unmatched', status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

export const prometheusMetrics = defineRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'prometheusMetrics',
  summary: 'Prometheus metrics (text exposition format)',
  tag: 'metrics',
  auth: ['ops'],
  who: 'ops, admin',
  responses: { 200: { description: 'Prometheus text', contentType: 'text/plain; version=0.0.4' } },
  async handler({ deps, res }) {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  },
});
