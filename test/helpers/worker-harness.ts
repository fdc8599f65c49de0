/**
 * The deployment's shape for tests of process behaviour: worker processes spawned from their
 * real entry point, the real API in this process, a DNS fixture for dns_lookup jobs, and a task
 * queue of their own so no other test's worker picks up their jobs.
 */
import { randomUUID } from 'node:crypto';
import { startDnsServer, type DnsServer, type ZoneRecord } from '../fixture-servers/dns-server';
import { createWorkspaceCast, type WorkspaceCast } from './actors';
import { startTestApi, type TestApi } from './api';
import { openTestClients, resetState, type TestClients } from './clients';
import { spawnEntry, type SpawnedProcess } from './spawn';
import { TEST_ENV } from './test-env';
import { freePort } from './throwaway-service';

/** A job as the API presents it (the fields these tests read). */
export interface HarnessJob {
  readonly id: string;
  readonly status: string;
  readonly attempts: number;
  readonly last_error: string | null;
}

/** A job event as the API presents it. */
export interface HarnessJobEvent {
  readonly to_status: string;
  readonly attempt: number;
}

/** A spawned worker and where it serves its metrics. */
export interface HarnessWorker extends SpawnedProcess {
  readonly metricsUrl: string;
}

/** What a test drives. */
export interface WorkerHarness {
  readonly clients: TestClients;
  readonly api: TestApi;
  readonly cast: WorkspaceCast;
  /** Spawns a worker (JSON logs at info) and resolves once it polls. */
  startWorker(env?: NodeJS.ProcessEnv): Promise<HarnessWorker>;
  /** Creates and enqueues a dns_lookup job on a new domain the DNS fixture answers with 127.0.0.1. */
  enqueueDnsJob(): Promise<HarnessJob>;
  /** Creates and enqueues a port scan of a domain that resolves to 10.0.0.1: the guard refuses it, the job FAILs. */
  enqueueRefusedScan(): Promise<HarnessJob>;
  waitForStatus(jobId: string, statuses: readonly string[], timeoutMs?: number): Promise<HarnessJob>;
  events(jobId: string): Promise<HarnessJobEvent[]>;
  close(): Promise<void>;
}

/** Starts the fixture, clients, API and a workspace; `settings` adds to the test environment. */
export async function startWorkerHarness(settings: NodeJS.ProcessEnv = {}): Promise<WorkerHarness> {
  // The fixture serves records added to this array later (each job gets a name of its own,
  // since a target is unique per workspace).
  const zone: ZoneRecord[] = [];
  const dns: DnsServer = await startDnsServer({ zone });
  const shared: NodeJS.ProcessEnv = {
    TEMPORAL_TASK_QUEUE: `harness-${randomUUID().slice(0, 8)}`,
    DNS_SERVERS: dns.address,
    DNS_TIMEOUT_MS: '300',
    DNS_TRIES: '1',
    TECHNIQUE_RATE_LIMITS: '',
    ...settings,
  };
  const clients = await openTestClients(shared);
  await resetState(clients);
  const api = await startTestApi(clients);
  const cast = await createWorkspaceCast(api.url, 'harness');
  const workers: SpawnedProcess[] = [];
  const base = `/workspaces/${cast.workspaceId}`;

  async function enqueue(technique: string, address: string, params: Record<string, unknown>): Promise<HarnessJob> {
    const domain = `${randomUUID().slice(0, 8)}.example.test`;
    zone.push({ name: domain, type: 'A', data: address, ttl: 300 });
    const target = await cast.analyst.call<{ id: string }>('POST', `${base}/targets/domain`, { value: domain });
    const created = await cast.analyst.call<HarnessJob>('POST', `${base}/jobs`, { target_id: target.body.id, technique, params });
    if (created.status !== 201) throw new Error(`job creation failed: ${created.status} ${JSON.stringify(created.body)}`);
    const enqueued = await cast.analyst.call<HarnessJob>('POST', `${base}/jobs/${created.body.id}/enqueue`);
    if (enqueued.status !== 202) throw new Error(`enqueue failed: ${enqueued.status} ${JSON.stringify(enqueued.body)}`);
    return enqueued.body;
  }

  return {
    clients,
    api,
    cast,
    async startWorker(env = {}) {
      const port = await freePort();
      const worker = spawnEntry('worker/index.ts', { ...TEST_ENV, ...shared, LOG_LEVEL: 'info', WORKER_METRICS_PORT: String(port), ...env });
      workers.push(worker);
      await worker.waitForOutput(/worker polling/, 90000);
      return { ...worker, metricsUrl: `http://127.0.0.1:${port}/metrics` };
    },
    enqueueDnsJob: () => enqueue('dns_lookup', '127.0.0.1', {}),
    enqueueRefusedScan: () => enqueue('port_scan', '10.0.0.1', { ports: [80] }),
    async waitForStatus(jobId, statuses, timeoutMs = 60000) {
      const deadline = Date.now() + timeoutMs;
      let job: HarnessJob | undefined;
      while (Date.now() < deadline) {
        job = (await cast.viewer.call<HarnessJob>('GET', `${base}/jobs/${jobId}`)).body;
        if (statuses.includes(job.status)) return job;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`job ${jobId} is ${job?.status}, not ${statuses.join('/')}`);
    },
    async events(jobId) {
      return (await cast.viewer.call<{ items: HarnessJobEvent[] }>('GET', `${base}/jobs/${jobId}/events?limit=200`)).body.items;
    },
    async close() {
      for (const worker of workers) worker.child.kill('SIGKILL');
      await Promise.all(workers.map((worker) => worker.exited));
      await api.close();
      await clients.close();
      await dns.close();
    },
  };
}
