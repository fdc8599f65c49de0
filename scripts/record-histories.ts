/**
 * `npm run record:histories`: runs representative jobs through the real API, worker and
 * activities against the test stack (in a lane of its own, `jobhist` unless TEST_LANE says
 * otherwise; servers that are not running are started and stopped again), and writes each job
 * workflow's Temporal history to test/fixtures/histories/<scenario>.json for the replay test
 * (test/integration/workflows/replay.test.ts). Re-run it whenever the workflow code changes on
 * purpose, and commit the histories with that change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { loadConfig } from '../core/config';
import { createKnex, migrateToLatest } from '../db/knex';
import { startDnsServer } from '../test/fixture-servers/dns-server';
import { startFilteredPorts } from '../test/fixture-servers/filtered-ports';
import { createWorkspaceCast } from '../test/helpers/actors';
import { startTestApi } from '../test/helpers/api';
import { openTestClients, resetState } from '../test/helpers/clients';
import { HISTORIES_DIR, HISTORY_SCENARIOS, historyPath, type HistoryScenario } from '../test/helpers/history-fixtures';
import { installNetworkGuard } from '../test/helpers/network-guard';
import { startPipelineWorker } from '../test/helpers/pipeline-worker';
import { loadStackSettings } from './stack/settings';
import { ensureStack } from './stack/stack';
import { testEnvironment } from './stack/test-environment';

// Its Redis db (lanes share 14 by a hash of the name) is one no other lane used when this was written.
const DEFAULT_LANE = 'jobhist';

type Job = { id: string; status: string; run_number: number };
/** A workflow run to save under a scenario's name; no runId: the latest run. */
type Recording = { scenario: HistoryScenario; workflowId: string; runId?: string };

function say(message: string): void {
  console.log(`record-histories | ${message}`);
}

async function main(): Promise<void> {
  // The lane's database, Redis db, namespace and bucket, passed to everything explicitly.
  const env = testEnvironment({ ...process.env, TEST_LANE: process.env.TEST_LANE || DEFAULT_LANE });
  installNetworkGuard();
  say(`lane ${env.TEST_LANE}`);
  const stack = await ensureStack({ settings: loadStackSettings(env), profile: 'test', log: say });
  const knex = createKnex(loadConfig(env).database);
  await migrateToLatest(knex).finally(() => knex.destroy());

  const dns = await startDnsServer({
    zone: [
      { name: 'example.test', type: 'A', data: '127.0.0.1', ttl: 300 },
      { name: 'example.test', type: 'TXT', data: ['v=spf1 -all'], ttl: 300 },
      { name: 'internal.test', type: 'A', data: '10.0.0.1', ttl: 300 },
    ],
  });
  const filtered = await startFilteredPorts({ count: 2 });
  const clients = await openTestClients({
    ...env,
    TEMPORAL_TASK_QUEUE: `histories-${Date.now().toString(36)}`,
    DNS_SERVERS: dns.address,
    DNS_TIMEOUT_MS: '300',
    DNS_TRIES: '1',
    SCAN_ALLOWED_CIDRS: '127.0.0.1/32',
    // A second apart, so a scenario can change the DNS fixture between two attempts.
    JOB_MAX_ATTEMPTS: '3',
    JOB_RETRY_INITIAL_MS: '1000',
    JOB_RETRY_BACKOFF: '1',
    JOB_RETRY_MAX_INTERVAL_MS: '1000',
    JOB_HEARTBEAT_TIMEOUT_MS: '2000',
    JOB_RETRY_OVERRIDES: '{}',
    TECHNIQUE_RATE_LIMITS: '',
  });
  const api = await startTestApi(clients);
  const worker = await startPipelineWorker(clients);
  const temporal = new Client({ connection: clients.temporal, namespace: clients.config.temporal.namespace });
  try {
    await resetState(clients);
    const cast = await createWorkspaceCast(api.url, 'histories');
    const base = `/workspaces/${cast.workspaceId}`;

    const createJob = async (domain: string, technique: string, params: Record<string, unknown> = {}): Promise<Job> => {
      const target = await cast.analyst.call<{ id: string }>('POST', `${base}/targets/domain`, { value: domain });
      const job = await cast.analyst.call<Job>('POST', `${base}/jobs`, { target_id: target.body.id, technique, params });
      if (job.status !== 201) throw new Error(`job creation failed: ${job.status} ${JSON.stringify(job.body)}`);
      return job.body;
    };
    const post = async (route: string, body?: unknown): Promise<void> => {
      const response = await cast.analyst.call('POST', `${base}${route}`, body);
      if (response.status >= 300) throw new Error(`POST ${route}: ${response.status} ${JSON.stringify(response.body)}`);
    };
    const waitForStatus = async (jobId: string, statuses: string[], timeoutMs = 60000): Promise<Job> => {
      const deadline = Date.now() + timeoutMs;
      let job: Job | undefined;
      while (Date.now() < deadline) {
        job = (await cast.viewer.call<Job>('GET', `${base}/jobs/${jobId}`)).body;
        if (statuses.includes(job.status)) return job;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`job ${jobId} is ${job?.status}, not ${statuses.join('/')}`);
    };
    const expectStatus = async (jobId: string, expected: string): Promise<Job> => {
      // A dead-lettered job passes through FAILED.
      const finals = ['SUCCEEDED', 'DEAD_LETTER', 'CANCELLED', ...(expected === 'DEAD_LETTER' ? [] : ['FAILED'])];
      const job = await waitForStatus(jobId, finals);
      if (job.status !== expected) throw new Error(`job ${jobId} ended ${job.status}, expected ${expected}`);
      return job;
    };

    // Each scenario runs one job and names the workflow runs to save.
    const scenarios: Record<string, () => Promise<Recording[]>> = {
      async succeeded() {
        const job = await createJob('example.test', 'dns_lookup');
        await post(`/jobs/${job.id}/enqueue`);
        await expectStatus(job.id, 'SUCCEEDED');
        return [{ scenario: 'succeeded', workflowId: job.id }];
      },
      async 'retried-then-succeeded'() {
        dns.script.servfail = true;
        const job = await createJob('retry.example.test', 'dns_lookup');
        await post(`/jobs/${job.id}/enqueue`);
        await waitForStatus(job.id, ['RETRYING']);
        dns.script.servfail = false;
        await expectStatus(job.id, 'SUCCEEDED');
        return [{ scenario: 'retried-then-succeeded', workflowId: job.id }];
      },
      async 'failed-non-retryable'() {
        // The scanning guard refuses 10.0.0.1 before any connection: a permanent failure.
        const job = await createJob('internal.test', 'port_scan', { ports: [22, 80] });
        await post(`/jobs/${job.id}/enqueue`);
        await expectStatus(job.id, 'FAILED');
        return [{ scenario: 'failed-non-retryable', workflowId: job.id }];
      },
      async 'dead-lettered, then requeued'() {
        dns.script.servfail = true;
        const job = await createJob('dead.example.test', 'dns_lookup');
        await post(`/jobs/${job.id}/enqueue`);
        await expectStatus(job.id, 'DEAD_LETTER');
        const firstRun = await temporal.workflow.getHandle(job.id).describe();
        dns.script.servfail = false;
        await post(`/jobs/${job.id}/requeue`);
        const requeued = await expectStatus(job.id, 'SUCCEEDED');
        if (requeued.run_number !== 2) throw new Error(`requeued job ${job.id} succeeded in run ${requeued.run_number}, not 2`);
        return [
          { scenario: 'dead-lettered', workflowId: job.id, runId: firstRun.runId },
          { scenario: 'requeued-run-2-succeeded', workflowId: job.id },
        ];
      },
      async 'cancelled-while-running'() {
        // A scan of ports that never answer runs until the cancellation reaches it.
        const job = await createJob('example.test', 'port_scan', { ports: filtered.ports, concurrency: 1, timeout_ms: 30000 });
        await post(`/jobs/${job.id}/enqueue`);
        await waitForStatus(job.id, ['RUNNING']);
        await post(`/jobs/${job.id}/cancel`, { reason: 'recording a cancellation' });
        await expectStatus(job.id, 'CANCELLED');
        return [{ scenario: 'cancelled-while-running', workflowId: job.id }];
      },
    };

    const recordings: Recording[] = [];
    for (const [name, run] of Object.entries(scenarios)) {
      const started = Date.now();
      recordings.push(...(await run()));
      say(`${name}: done in ${Date.now() - started} ms`);
    }
    const missing = HISTORY_SCENARIOS.filter((scenario) => !recordings.some((recording) => recording.scenario === scenario));
    if (missing.length > 0) throw new Error(`no recording for ${missing.join(', ')}`);

    fs.mkdirSync(HISTORIES_DIR, { recursive: true });
    for (const file of fs.readdirSync(HISTORIES_DIR)) {
      if (file.endsWith('.json')) fs.rmSync(path.join(HISTORIES_DIR, file));
    }
    for (const { scenario, workflowId, runId } of recordings) {
      const handle = temporal.workflow.getHandle(workflowId, runId);
      // Only a closed run's history is whole.
      await handle.result().catch(() => undefined);
      const history = await handle.fetchHistory();
      fs.writeFileSync(historyPath(scenario), `${historyToJSON(history)}\n`);
      say(`${scenario}: ${history.events?.length ?? 0} events → ${historyPath(scenario)}`);
    }
  } finally {
    await worker.shutdown();
    await api.close();
    await clients.close();
    await dns.close();
    await filtered.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
