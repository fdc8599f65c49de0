import assert from 'node:assert/strict';
import { Client } from '@temporalio/client';
import { pollUntil } from '../../helpers/poll';
import { metricFamilies, promtool } from '../../helpers/promtool';
import { spawnEntry } from '../../helpers/spawn';
import { TEST_ENV } from '../../helpers/test-env';
import { freePort } from '../../helpers/throwaway-service';
import { startWorkerHarness, type HarnessJob, type HarnessWorker, type WorkerHarness } from '../../helpers/worker-harness';
import { TEMPORAL_SDK_METRIC_FAMILIES, WORKER_METRIC_FAMILIES, WORKER_METRICS } from '../../../worker/metrics';

describe("the worker's /metrics", function () {
  this.timeout(180000);
  let harness: WorkerHarness;
  let worker: HarnessWorker;
  let succeeded: HarnessJob;
  let exposition: string;

  before(async () => {
    harness = await startWorkerHarness();
    worker = await harness.startWorker();
    const [ok, refused] = await Promise.all([harness.enqueueDnsJob(), harness.enqueueRefusedScan()]);
    succeeded = await harness.waitForStatus(ok.id, ['SUCCEEDED', 'FAILED', 'DEAD_LETTER']);
    assert.equal(succeeded.status, 'SUCCEEDED', succeeded.last_error ?? '');
    // The scanning guard refuses 10.0.0.1 before any connection.
    const refusedJob = await harness.waitForStatus(refused.id, ['SUCCEEDED', 'FAILED', 'DEAD_LETTER']);
    assert.equal(refusedJob.status, 'FAILED');
    assert.match(refusedJob.last_error ?? '', /refused to contact .*10\.0\.0\.1 is in a private range/);
    // The workflow's completion is recorded once its last task is done, just after the mirror write.
    exposition = await pollUntil(
      async () => (await fetch(worker.metricsUrl)).text(),
      (text) => Object.keys(TEMPORAL_SDK_METRIC_FAMILIES).every((name) => metricFamilies(text).has(name)),
      { tries: 50, intervalMs: 200 },
    );
  });

  after(async () => harness?.close());

  it('serves the Temporal SDK worker metrics the dashboard and alerts use, with Prometheus naming', () => {
    const families = metricFamilies(exposition);
    const missing = Object.keys(TEMPORAL_SDK_METRIC_FAMILIES).filter((name) => !families.has(name));
    assert.deepEqual(missing, [], `not on the worker's /metrics: ${missing.join(', ')}`);
    for (const [name, type] of Object.entries(TEMPORAL_SDK_METRIC_FAMILIES)) assert.equal(families.get(name), type, name);
    for (const [name, type] of families) {
      if (type === 'counter') assert.match(name, /_total$/, `${name} is a counter without _total`);
    }
  });

  it('passes promtool check metrics', async () => {
    const result = await promtool(['check', 'metrics'], exposition);
    assert.equal(result.code, 0, result.output);
    assert.equal(result.output.trim(), '');
  });

  it('counts what the jobs did: transitions, attempts, failures, findings, evidence and finished jobs', () => {
    const sample = (name: string, labels: Record<string, string>): number => {
      const line = exposition.split('\n').find((candidate) => {
        if (!candidate.startsWith(`${name}{`)) return false;
        return Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`));
      });
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    assert.ok(sample('osint_job_transitions_total', { from: 'QUEUED', to: 'RUNNING', technique: 'dns_lookup' }) >= 1);
    assert.ok(sample('osint_job_transitions_total', { from: 'RUNNING', to: 'SUCCEEDED', technique: 'dns_lookup' }) >= 1);
    assert.ok(sample('osint_job_transitions_total', { from: 'RUNNING', to: 'FAILED', technique: 'port_scan' }) >= 1);
    assert.ok(sample('osint_technique_attempts_total', { technique: 'dns_lookup' }) >= 1);
    assert.ok(sample('osint_technique_failures_total', { technique: 'port_scan', error_class: 'guard_refused', failure_class: 'permanent' }) >= 1);
    assert.ok(sample('osint_findings_total', { technique: 'dns_lookup', outcome: 'new' }) >= 1);
    assert.ok(sample('osint_evidence_stored_bytes_total', { technique: 'dns_lookup' }) > 0);
    assert.ok(sample('osint_job_duration_seconds_count', { technique: 'dns_lookup', status: 'SUCCEEDED' }) >= 1);
    assert.ok(sample('osint_job_duration_seconds_count', { technique: 'port_scan', status: 'FAILED' }) >= 1);
  });

  it('serves our job metrics only under the names worker/metrics.ts declares', () => {
    const ours = [...metricFamilies(exposition).keys()].filter((name) => name.startsWith('osint_'));
    const undeclared = ours.filter((name) => !WORKER_METRIC_FAMILIES.includes(name));
    assert.deepEqual(undeclared, []);
  });

  it("lets a job's log lines, its events and its Temporal history be joined by the job id", async () => {
    const lines = worker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const jobLines = lines.filter((line) => line.job_id === succeeded.id);
    assert.ok(jobLines.length > 0, 'no worker log line carries the job id');
    for (const line of jobLines) assert.equal(line.workflow_id, succeeded.id);

    const events = await harness.events(succeeded.id);
    assert.deepEqual(events.map((event) => event.to_status), ['CREATED', 'QUEUED', 'RUNNING', 'SUCCEEDED']);

    const client = new Client({ connection: harness.clients.temporal, namespace: harness.clients.config.temporal.namespace });
    const history = await client.workflow.getHandle(succeeded.id).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    assert.equal(started?.workflowType?.name, 'jobWorkflow');
    assert.ok((history.events ?? []).some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'runTechnique'));
  });
});

describe('the job metrics of worker/metrics.ts', function () {
  this.timeout(60000);

  it('come out of the Temporal runtime exporter exactly as declared, labelled as declared, and pass promtool', async () => {
    const port = await freePort();
    const probe = spawnEntry('test/helpers/worker-metrics-probe.ts', { ...TEST_ENV, PROBE_METRICS_ADDRESS: `127.0.0.1:${port}` });
    try {
      await probe.waitForOutput(/probe ready/);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const ours = [...metricFamilies(text).keys()].filter((name) => name.startsWith('osint_')).sort();
      assert.deepEqual(ours, [...WORKER_METRIC_FAMILIES].sort());
      for (const definition of Object.values(WORKER_METRICS)) {
        const sample = text.split('\n').find((line) => line.startsWith(`${definition.name}${definition.kind === 'counter' ? '_total' : '_count'}{`));
        assert.ok(sample, `no sample of ${definition.name}`);
        const labels = [...sample.matchAll(/(\w+)="/g)].map((match) => match[1]).sort();
        assert.deepEqual(labels, [...definition.labels].sort(), definition.name);
        if (definition.kind === 'histogram') {
          const bounds = [...text.matchAll(new RegExp(`^${definition.name}_bucket\\{[^}]*le="([^"]+)"`, 'gm'))].map((m) => m[1]);
          assert.deepEqual([...new Set(bounds)], [...(definition.buckets ?? []).map(String), '+Inf'], `${definition.name} buckets`);
        }
      }
      const result = await promtool(['check', 'metrics'], text);
      assert.equal(result.code, 0, result.output);
    } finally {
      probe.child.kill('SIGTERM');
      await probe.exited;
    }
  });
});
