import type { RuntimeOptions } from '@temporalio/worker';
import type { Config } from '../config';

// The Temporal SDK's own worker metrics (task slots, poll and schedule-to-start latencies, sticky
// cache, activity and workflow task outcomes) on a Prometheus endpoint, served by the SDK's core.
// Runtime.install may be called once per process, before any connection: pass these options there.

/** Runtime options serving `temporal_*` metrics at http://WORKER_METRICS_ADDRESS/metrics; none when unset. */
export function workerRuntimeTelemetry(config: Pick<Config, 'WORKER_METRICS_ADDRESS'>): Pick<RuntimeOptions, 'telemetryOptions'> {
  if (!config.WORKER_METRICS_ADDRESS) return {};
  return { telemetryOptions: { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS } } } };
}
