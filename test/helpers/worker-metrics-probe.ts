/**
 * A process that records one sample of every job metric through the worker's real exporter
 * (worker/metrics.ts on the Temporal runtime), then serves them until SIGTERM: what the worker
 * exports once the pipeline has done each thing once. Listens on PROBE_METRICS_ADDRESS.
 */
import { Runtime } from '@temporalio/worker';
import { createJobMetrics, prometheusExporter } from '../../worker/metrics';

const address = process.env.PROBE_METRICS_ADDRESS ?? '127.0.0.1:0';
Runtime.install({ telemetryOptions: { metrics: prometheusExporter(address) } });
const metrics = createJobMetrics(Runtime.instance().metricMeter);
metrics.transition('QUEUED', 'RUNNING', 'dns_lookup');
metrics.jobFinished('dns_lookup', 'SUCCEEDED', 1.5);
metrics.attempt('dns_lookup');
metrics.attemptFailed('dns_lookup', 'dns_failed', 'transient');
metrics.findings('dns_lookup', 2, 1);
metrics.evidenceStored('dns_lookup', 512);
metrics.rateLimitWait('technique', 'dns_lookup', 0.2);
metrics.webhookDelivery('delivered');
metrics.scheduleFired('dns_lookup', 'created');
console.log('probe ready');
const keepAlive = setInterval(() => undefined, 60000);
process.once('SIGTERM', () => clearInterval(keepAlive));
