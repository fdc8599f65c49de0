import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { startDnsServer, type DnsServer } from '../../fixture-servers/dns-server';
import { startFilteredPorts, type FilteredPorts } from '../../fixture-servers/filtered-ports';
import { startTcpPorts, type TcpPorts } from '../../fixture-servers/tcp-ports';
import { createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { startTestApi, type TestApi } from '../../helpers/api';
import { openTestClients, resetState, type TestClients } from '../../helpers/clients';
import { spawnEntry, type SpawnedProcess } from '../../helpers/spawn';
import { TEST_ENV } from '../../helpers/test-env';

type Job = { id: string; status: string; attempts: number; progress: { attempt: number; reported_at: string | null; details: ScanProgress | null } | null };
type JobEvent = { to_status: string; attempt: number; error: string | null };
type ScanProgress = { stage?: string; ports_done?: number; ports_total?: number };

const OPEN_PORTS = 5;
const FILTERED_PORTS = 6;
/** Each filtered port holds the one-at-a-time scan for this long: an attempt lasts about 6 s. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * A worker process killed with SIGKILL in the middle of a port scan: the attempt's heartbeats
 * stop, Temporal retries it on the worker that replaces it, and the job ends SUCCEEDED with its
 * evidence and findings recorded once.
 */
describe('a worker killed in the middle of a port scan', function () {
  this.timeout(180000);
  let dns: DnsServer;
  let open: TcpPorts;
  let filtered: FilteredPorts;
  let closedPort: number;
  let env: NodeJS.ProcessEnv;
  let clients: TestClients;
  let api: TestApi;
  let cast: WorkspaceCast;
  const workers: SpawnedProcess[] = [];

  before(async () => {
    dns = await startDnsServer({ zone: [{ name: 'scan.test', type: 'A', data: '127.0.0.1', ttl: 300 }] });
    open = await startTcpPorts({ count: OPEN_PORTS });
    filtered = await startFilteredPorts({ count: FILTERED_PORTS });
    closedPort = await open.findClosedPort();
    const settings: NodeJS.ProcessEnv = {
      TEMPORAL_TASK_QUEUE: `crash-${randomUUID().slice(0, 8)}`,
      DNS_SERVERS: dns.address,
      DNS_TIMEOUT_MS: '300',
      DNS_TRIES: '1',
      SCAN_ALLOWED_CIDRS: '127.0.0.1/32',
      TECHNIQUE_RATE_LIMITS: '',
      // A lost attempt is noticed 2 s after its last heartbeat and retried 200 ms later.
      JOB_RETRY_OVERRIDES: JSON.stringify({
        port_scan: { max_attempts: 3, initial_ms: 200, backoff: 1, max_interval_ms: 200, heartbeat_timeout_ms: 2000, activity_timeout_ms: 120000 },
      }),
    };
    env = { ...TEST_ENV, ...settings, LOG_LEVEL: 'info' };
    clients = await openTestClients(settings);
    await resetState(clients);
    api = await startTestApi(clients);
    cast = await createWorkspaceCast(api.url, 'crash');
  });

  after(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.exited));
    await api?.close();
    await clients?.close();
    await Promise.all([dns?.close(), open?.close(), filtered?.close()]);
  });

  const base = () => `/workspaces/${cast.workspaceId}`;

  async function startWorker(): Promise<SpawnedProcess> {
    const worker = spawnEntry('worker/index.ts', env);
    workers.push(worker);
    await worker.waitForOutput(/worker polling/, 90000);
    return worker;
  }

  async function job(jobId: string): Promise<Job> {
    return (await cast.viewer.call<Job>('GET', `${base()}/jobs/${jobId}`)).body;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** The last progress the running technique attempt heartbeated, as Temporal recorded it. */
  async function heartbeat(handle: WorkflowHandle): Promise<{ attempt: number; progress: ScanProgress } | undefined> {
    const { raw } = await handle.describe();
    const activity = raw.pendingActivities?.find((pending) => pending.activityType?.name === 'runTechnique');
    const payload = activity?.heartbeatDetails?.payloads?.[0];
    if (!activity || !payload) return undefined;
    return { attempt: activity.attempt ?? 0, progress: defaultPayloadConverter.fromPayload<ScanProgress>(payload) };
  }

  it('retries the attempt on a new worker and ends SUCCEEDED with no duplicate evidence or findings', async () => {
    const first = await startWorker();
    const target = await cast.analyst.call<{ id: string }>('POST', `${base()}/targets/domain`, { value: 'scan.test' });
    const ports = [...open.open.map((item) => item.port), ...filtered.ports, closedPort];
    const created = await cast.analyst.call<Job>('POST', `${base()}/jobs`, {
      target_id: target.body.id,
      technique: 'port_scan',
      params: { ports, concurrency: 1, timeout_ms: PROBE_TIMEOUT_MS },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const jobId = created.body.id;
    assert.equal((await cast.analyst.call('POST', `${base()}/jobs/${jobId}/enqueue`)).status, 202);
    const handle = new Client({ connection: clients.temporal, namespace: clients.config.temporal.namespace }).workflow.getHandle(jobId);

    const beat = await waitFor(
      'the scan to heartbeat its progress',
      async () => {
        const last = await heartbeat(handle);
        return last?.progress.stage === 'scanning' ? last : undefined;
      },
      60000,
    );
    assert.equal(beat.attempt, 1);
    assert.ok((beat.progress.ports_done ?? 0) < ports.length, `the scan is still running: ${JSON.stringify(beat.progress)}`);
    const running = await job(jobId);
    assert.equal(running.status, 'RUNNING');
    // The API shows an investigator the same progress.
    assert.equal(running.progress?.attempt, 1);
    assert.equal(running.progress?.details?.stage, 'scanning');
    assert.equal(running.progress?.details?.ports_total, ports.length);
    assert.ok(Date.now() - Date.parse(running.progress!.reported_at!) < 30000);
    // A first attempt that runs past a second reports RUNNING to the Web UI's status attribute.
    await waitFor('the status attribute to show RUNNING', async () => ((await handle.describe()).searchAttributes.OsintJobStatus?.[0] === 'RUNNING' ? true : undefined), 10000);

    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null);
    assert.doesNotMatch(first.output(), /technique succeeded/, 'the first attempt was cut short');
    await startWorker();

    const done = await waitFor(
      'the job to finish',
      async () => {
        const current = await job(jobId);
        return ['SUCCEEDED', 'FAILED', 'DEAD_LETTER', 'CANCELLED'].includes(current.status) ? current : undefined;
      },
      90000,
    );
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.progress, null);
    assert.equal(done.attempts, 2);
    const events = (await cast.viewer.call<{ items: JobEvent[] }>('GET', `${base()}/jobs/${jobId}/events?limit=200`)).body.items;
    assert.deepEqual(
      events.map((event) => [event.to_status, event.attempt]),
      [['CREATED', 0], ['QUEUED', 0], ['RUNNING', 1], ['RETRYING', 1], ['RUNNING', 2], ['SUCCEEDED', 2]],
    );
    assert.match(events[3]?.error ?? '', /lost/);
    await handle.result();
    const description = await handle.describe();
    assert.equal(description.status.name, 'COMPLETED');
    assert.equal(description.searchAttributes.OsintJobStatus?.[0], 'SUCCEEDED');

    const evidence = await clients.knex('evidence').where({ job_id: jobId });
    assert.equal(evidence.length, 1);
    assert.equal(evidence[0].attempt, 2);
    const objects: string[] = [];
    for await (const item of clients.s3.listObjectsV2(clients.config.storage.bucket, `${cast.workspaceId}/`, true)) {
      if (item.name) objects.push(item.name);
    }
    assert.deepEqual(objects, [evidence[0].object_key]);
    const chunks: Buffer[] = [];
    for await (const chunk of (await clients.evidenceStore.get(evidence[0].object_key))!) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    assert.equal(createHash('sha256').update(body).digest('hex'), evidence[0].sha256);
    const report = JSON.parse(body.toString()) as { open: { port: number }[]; filtered: number; closed: number };
    assert.deepEqual(report.open.map((item) => item.port).sort((a, b) => a - b), open.open.map((item) => item.port).sort((a, b) => a - b));
    assert.equal(report.filtered, FILTERED_PORTS);

    const findings = await clients.knex('findings').where({ workspace_id: cast.workspaceId }).select('id', 'subject', 'seen_count');
    assert.equal(findings.length, OPEN_PORTS);
    assert.equal(new Set(findings.map((finding) => finding.subject)).size, OPEN_PORTS);
    assert.ok(findings.every((finding) => finding.seen_count === 1), 'no finding was counted twice');
    const links = await clients.knex('job_findings').where({ job_id: jobId }).select('finding_id');
    assert.deepEqual(links.map((link) => link.finding_id).sort(), findings.map((finding) => finding.id).sort());
  });
});
