/**
 * The worker's metrics. They go out through the Temporal runtime's own Prometheus exporter
 * (`Runtime.instance().metricMeter`), so one endpoint, WORKER_METRICS_PORT, serves both the
 * job pipeline's metrics and the SDK's worker metrics (task slots, pollers, schedule-to-start
 * latencies, workflow outcomes). A second prom-client endpoint would have meant a second port
 * per replica to publish, scrape and keep in step.
 *
 * WORKER_METRICS below is the single source of truth for our names: the dashboard and alert
 * tests read it, and a test checks that the exporter serves exactly these families.
 */
import type { MetricCounter, MetricHistogram, MetricMeter, MetricTags } from '@temporalio/common';
import type { MetricsExporterConfig } from '@temporalio/worker';
import type { JobMetrics } from '../core/job-metrics';

export type { JobMetrics } from '../core/job-metrics';

/** One metric of ours: its name on the meter, help text, labels and histogram buckets. */
export interface WorkerMetricDefinition {
  readonly name: string;
  readonly kind: 'counter' | 'histogram';
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
}

const JOB_DURATION_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Every metric the worker defines (besides the SDK's own `temporal_*` metrics). */
export const WORKER_METRICS = {
  jobTransitions: {
    name: 'osint_job_transitions',
    kind: 'counter',
    help: 'Job state transitions applied by the worker',
    labels: ['from', 'to', 'technique'],
  },
  jobDuration: {
    name: 'osint_job_duration_seconds',
    kind: 'histogram',
    help: 'Time from queued to final status, by technique and final status',
    labels: ['technique', 'status'],
    buckets: JOB_DURATION_BUCKETS,
  },
  techniqueAttempts: {
    name: 'osint_technique_attempts',
    kind: 'counter',
    help: 'Technique attempts started',
    labels: ['technique'],
  },
  techniqueFailures: {
    name: 'osint_technique_failures',
    kind: 'counter',
    help: 'Technique attempts that failed, by error class (the technique error code) and whether retryable',
    labels: ['technique', 'error_class', 'failure_class'],
  },
  findings: {
    name: 'osint_findings',
    kind: 'counter',
    help: 'Findings upserted, new fingerprints versus ones seen again',
    labels: ['technique', 'outcome'],
  },
  evidenceBytes: {
    name: 'osint_evidence_stored_bytes',
    kind: 'counter',
    help: 'Bytes of raw evidence written to object storage',
    labels: ['technique'],
  },
  evidenceObjects: {
    name: 'osint_evidence_stored_objects',
    kind: 'counter',
    help: 'Pieces of raw evidence written to object storage',
    labels: ['technique'],
  },
  rateLimitWait: {
    name: 'osint_rate_limit_wait_seconds',
    kind: 'histogram',
    help: 'Time spent waiting for a politeness token, by budget',
    labels: ['kind', 'technique'],
    buckets: WAIT_BUCKETS,
  },
  webhookDeliveries: {
    name: 'osint_webhook_deliveries',
    kind: 'counter',
    help: 'Webhook delivery attempts by outcome',
    labels: ['outcome'],
  },
  scheduleFirings: {
    name: 'osint_schedule_firings',
    kind: 'counter',
    help: 'Firings of recurring scans by outcome',
    labels: ['technique', 'outcome'],
  },
} as const satisfies Record<string, WorkerMetricDefinition>;

/** The name a metric family has on /metrics: the exporter adds `_total` to counters. */
export function exposedName(definition: WorkerMetricDefinition): string {
  return definition.kind === 'counter' ? `${definition.name}_total` : definition.name;
}

/** The families the worker's /metrics serves for our metrics once each has been recorded. */
export const WORKER_METRIC_FAMILIES: readonly string[] = Object.values(WORKER_METRICS).map(exposedName);

/**
 * The Temporal SDK's own families that the dashboard and the alerts use, as the exporter names
 * them with the settings below. A test runs a job that succeeds and one that fails on a real
 * worker and finds each of them on its /metrics.
 */
export const TEMPORAL_SDK_METRIC_FAMILIES: Readonly<Record<string, 'counter' | 'gauge' | 'histogram'>> = {
  temporal_worker_task_slots_used: 'gauge',
  temporal_worker_task_slots_available: 'gauge',
  temporal_num_pollers: 'gauge',
  temporal_activity_schedule_to_start_latency_seconds: 'histogram',
  temporal_activity_execution_latency_seconds: 'histogram',
  temporal_activity_execution_failed_total: 'counter',
  temporal_workflow_task_schedule_to_start_latency_seconds: 'histogram',
  temporal_workflow_completed_total: 'counter',
  temporal_workflow_failed_total: 'counter',
  temporal_workflow_endtoend_latency_seconds: 'histogram',
};

/**
 * The exporter settings of the worker's runtime: Prometheus naming conventions (counters end in
 * `_total`, durations in seconds with the unit in the name), and our histogram buckets.
 */
export function prometheusExporter(bindAddress: string): MetricsExporterConfig {
  const histograms: WorkerMetricDefinition[] = Object.values(WORKER_METRICS).filter((d) => d.kind === 'histogram');
  return {
    prometheus: {
      bindAddress,
      countersTotalSuffix: true,
      useSecondsForDurations: true,
      unitSuffix: true,
      histogramBucketOverrides: Object.fromEntries(histograms.map((d) => [d.name, [...(d.buckets ?? [])]])),
    },
  };
}

/** Builds the JobMetrics that record on `meter` (the runtime's, or a noop meter in tests). */
export function createJobMetrics(meter: MetricMeter): JobMetrics {
  const m = WORKER_METRICS;
  const counter = (d: WorkerMetricDefinition): MetricCounter => meter.createCounter(d.name, undefined, d.help);
  const histogram = (d: WorkerMetricDefinition): MetricHistogram => meter.createHistogram(d.name, 'float', undefined, d.help);
  const transitions = counter(m.jobTransitions);
  const duration = histogram(m.jobDuration);
  const attempts = counter(m.techniqueAttempts);
  const failures = counter(m.techniqueFailures);
  const findings = counter(m.findings);
  const evidenceBytes = counter(m.evidenceBytes);
  const evidenceObjects = counter(m.evidenceObjects);
  const waits = histogram(m.rateLimitWait);
  const webhooks = counter(m.webhookDeliveries);
  const firings = counter(m.scheduleFirings);

  const add = (metric: MetricCounter, value: number, tags: MetricTags) => {
    const amount = Math.round(value);
    if (Number.isFinite(amount) && amount > 0) safely(() => metric.add(amount, tags));
  };
  const record = (metric: MetricHistogram, value: number, tags: MetricTags) => {
    if (Number.isFinite(value)) safely(() => metric.record(Math.max(0, value), tags));
  };

  return {
    transition: (from, to, technique) => add(transitions, 1, { from: from ?? 'NONE', to, technique }),
    jobFinished: (technique, status, seconds) => record(duration, seconds, { technique, status }),
    attempt: (technique) => add(attempts, 1, { technique }),
    attemptFailed: (technique, errorClass, failureClass) =>
      add(failures, 1, { technique, error_class: errorClass, failure_class: failureClass }),
    findings: (technique, newCount, seenAgainCount) => {
      add(findings, newCount, { technique, outcome: 'new' });
      add(findings, seenAgainCount, { technique, outcome: 'seen_again' });
    },
    evidenceStored: (technique, bytes, objects = 1) => {
      add(evidenceBytes, bytes, { technique });
      add(evidenceObjects, objects, { technique });
    },
    rateLimitWait: (kind, technique, seconds) => record(waits, seconds, { kind, technique }),
    webhookDelivery: (outcome) => add(webhooks, 1, { outcome }),
    scheduleFired: (technique, outcome) => add(firings, 1, { technique, outcome }),
  };
}

/** A metric must never fail the job it describes. */
function safely(write: () => void): void {
  try {
    write();
  } catch {
    // Dropping one sample is better than failing an activity over it.
  }
}
