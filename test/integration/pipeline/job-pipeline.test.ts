import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TestApi } from '../../helpers/api';
import { createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { resetState, type TestClients } from '../../helpers/clients';
import { startDnsServer, type DnsServer } from '../../fixture-servers/dns-server';
import { startSmtpServer, type SmtpServer } from '../../fixture-servers/smtp-server';
import { startTcpPorts, type TcpPorts } from '../../fixture-servers/tcp-ports';
import { startWhoisServer, type WhoisServer } from '../../fixture-servers/whois-server';
import { signatureProblem, startWebhookReceiver } from '../../fixture-servers/webhook-receiver';
import { startPipeline, type Pipeline } from '../../helpers/pipeline-worker';

type Job = { id: string; status: string; run_number: number; attempts: number; last_error: string | null; next_retry_at: string | null; temporal_ui_url: string };
type JobEvent = { from_status: string | null; to_status: string; attempt: number; run_number: number; error: string | null };

/**
 * The whole system: the real API enqueues, the real worker runs the real techniques against
 * loopback fixtures, Postgres, S3 and the Temporal dev server are real.
 */
describe('the job pipeline', function () {
  this.timeout(120000);
  let dns: DnsServer;
  let whois: WhoisServer;
  let smtp: SmtpServer;
  let ports: TcpPorts;
  let clients: TestClients;
  let api: TestApi;
  let pipeline: Pipeline | undefined;
  let cast: WorkspaceCast;

  before(async () => {
    dns = await startDnsServer({
      zone: [
        { name: 'example.test', type: 'A', data: '127.0.0.1', ttl: 300 },
        { name: 'example.test', type: 'MX', data: { preference: 10, exchange: 'mail.example.test' }, ttl: 300 },
        { name: 'example.test', type: 'TXT', data: ['v=spf1 -all'], ttl: 300 },
        { name: 'mail.example.test', type: 'A', data: '127.0.0.1', ttl: 300 },
        { name: 'internal.test', type: 'A', data: '10.0.0.1', ttl: 300 },
      ],
    });
    whois = await startWhoisServer({
      responses: { 'example.test': 'Domain Name: EXAMPLE.TEST\r\nRegistrar: Fixture Registrar\r\nCreation Date: 2001-02-03T04:05:06Z\r\nName Server: NS1.EXAMPLE.TEST\r\n' },
    });
    smtp = await startSmtpServer({ mailboxes: ['alice@example.test'] });
    ports = await startTcpPorts({ ports: [{ banner: 'SSH-2.0-Fixture\r\n' }] });
    pipeline = await startPipeline('pipeline', {
      DNS_SERVERS: dns.address,
      DNS_TIMEOUT_MS: '300',
      DNS_TRIES: '1',
      WHOIS_SERVER: `${whois.host}:${whois.port}`,
      RDAP_ENABLED: 'false',
      SMTP_PORT: String(smtp.port),
      SCAN_ALLOWED_CIDRS: '127.0.0.1/32',
      JOB_MAX_ATTEMPTS: '3',
      JOB_RETRY_INITIAL_MS: '100',
      JOB_RETRY_BACKOFF: '1',
      JOB_RETRY_MAX_INTERVAL_MS: '100',
      JOB_HEARTBEAT_TIMEOUT_MS: '5000',
    });
    ({ clients, api } = pipeline);
  });

  after(async () => {
    await pipeline?.close();
    await Promise.all([dns?.close(), whois?.close(), smtp?.close(), ports?.close()]);
  });

  beforeEach(async () => {
    await resetState(clients);
    dns.script.servfail = false;
    dns.script.dropFirst = 0;
    cast = await createWorkspaceCast(api.url, 'pipeline');
  });

  const base = () => `/workspaces/${cast.workspaceId}`;

  async function createJob(value: string, technique: string, params: Record<string, unknown> = {}): Promise<Job> {
    const type = value.includes('@') ? 'email' : 'domain';
    const target = await cast.analyst.call<{ id: string }>('POST', `${base()}/targets/${type}`, { value });
    const job = await cast.analyst.call<Job>('POST', `${base()}/jobs`, { target_id: target.body.id, technique, params });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    return job.body;
  }

  async function waitForStatus(jobId: string, statuses: string[], timeoutMs = 60000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    let job: Job | undefined;
    while (Date.now() < deadline) {
      job = (await cast.viewer.call<Job>('GET', `${base()}/jobs/${jobId}`)).body;
      if (statuses.includes(job.status)) return job;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`job ${jobId} is ${job?.status}, not ${statuses.join('/')}`);
  }

  async function events(jobId: string): Promise<JobEvent[]> {
    return (await cast.viewer.call<{ items: JobEvent[] }>('GET', `${base()}/jobs/${jobId}/events?limit=200`)).body.items;
  }

  async function workflowStatus(jobId: string): Promise<{ status: string; jobStatus: unknown }> {
    const { Client } = await import('@temporalio/client');
    const client = new Client({ connection: clients.temporal, namespace: clients.config.temporal.namespace });
    const handle = client.workflow.getHandle(jobId);
    await handle.result().catch(() => undefined);
    const description = await handle.describe();
    return { status: description.status.name, jobStatus: description.searchAttributes.OsintJobStatus?.[0] };
  }

  /** Every value the job status search attribute took, in the order of the workflow's (finished) history. */
  async function searchAttributeHistory(jobId: string): Promise<string[]> {
    const { Client } = await import('@temporalio/client');
    const client = new Client({ connection: clients.temporal, namespace: clients.config.temporal.namespace });
    const handle = client.workflow.getHandle(jobId);
    await handle.result().catch(() => undefined);
    const history = await handle.fetchHistory();
    return (history.events ?? []).flatMap((event) => {
      const payload = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.OsintJobStatus;
      return payload?.data ? (JSON.parse(Buffer.from(payload.data).toString('utf8')) as string[]) : [];
    });
  }

  it('runs a dns_lookup to SUCCEEDED, stores its evidence and findings, and Temporal agrees', async () => {
    const job = await createJob('example.test', 'dns_lookup');
    const enqueued = await cast.analyst.call<Job>('POST', `${base()}/jobs/${job.id}/enqueue`);
    assert.equal(enqueued.status, 202);
    assert.equal(enqueued.body.status, 'QUEUED');
    assert.ok(enqueued.body.temporal_ui_url.endsWith(`/workflows/${job.id}`));

    await waitForStatus(job.id, ['SUCCEEDED']);
    assert.deepEqual((await events(job.id)).map((event) => event.to_status), ['CREATED', 'QUEUED', 'RUNNING', 'SUCCEEDED']);

    const evidence = await clients.knex('evidence').where({ job_id: job.id });
    assert.ok(evidence.length >= 1);
    for (const row of evidence) {
      const chunks: Buffer[] = [];
      for await (const chunk of (await clients.evidenceStore.get(row.object_key))!) chunks.push(chunk as Buffer);
      assert.equal(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'), row.sha256);
      assert.ok(row.object_key.startsWith(`${cast.workspaceId}/`));
    }
    const findings = await cast.viewer.call<{ items: { finding_type: string; data: { value?: unknown } }[] }>('GET', `${base()}/jobs/${job.id}/findings`);
    assert.ok(findings.body.items.some((finding) => finding.finding_type === 'dns_record' && JSON.stringify(finding.data).includes('127.0.0.1')));
    assert.deepEqual(await workflowStatus(job.id), { status: 'COMPLETED', jobStatus: 'SUCCEEDED' });
    // The memo carries the job's ref, so the workflow needed no step to rehydrate it.
    const { Client } = await import('@temporalio/client');
    const handle = new Client({ connection: clients.temporal, namespace: clients.config.temporal.namespace }).workflow.getHandle(job.id);
    const description = await handle.describe();
    assert.deepEqual(description.memo?.retry_policy, clients.config.jobs.dns_lookup);
    assert.equal(description.memo?.target, 'example.test');
    const history = await handle.fetchHistory();
    assert.ok(!(history.events ?? []).some((event) => event.markerRecordedEventAttributes), 'no local activity ran');
  });

  for (const [technique, value, params, findingType] of [
    ['whois_lookup', 'example.test', {}, 'whois_record'],
    ['email_verify', 'alice@example.test', {}, 'email_verdict'],
    ['port_scan', 'example.test', () => ({ ports: [ports.port] }), 'open_port'],
  ] as const) {
    it(`runs the ${technique} technique to SUCCEEDED with its evidence and ${findingType} findings, and Temporal agrees`, async () => {
      const job = await createJob(value, technique, typeof params === 'function' ? params() : params);
      assert.equal((await cast.analyst.call<Job>('POST', `${base()}/jobs/${job.id}/enqueue`)).status, 202);
      const done = await waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'DEAD_LETTER']);
      assert.equal(done.status, 'SUCCEEDED', done.last_error ?? '');
      assert.deepEqual((await events(job.id)).map((event) => event.to_status), ['CREATED', 'QUEUED', 'RUNNING', 'SUCCEEDED']);
      assert.ok((await clients.knex('evidence').where({ job_id: job.id })).length >= 1);
      const findings = await cast.viewer.call<{ items: { finding_type: string }[] }>('GET', `${base()}/jobs/${job.id}/findings`);
      assert.ok(
        findings.body.items.some((finding) => finding.finding_type === findingType),
        `${technique} found ${findings.body.items.map((finding) => finding.finding_type).join(', ')}`,
      );
      assert.deepEqual(await workflowStatus(job.id), { status: 'COMPLETED', jobStatus: 'SUCCEEDED' });
    });
  }

  it('tells a subscribed webhook that the job finished and what it found, signed, once the job has ended', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const hook = await cast.admin.call<{ id: string; secret: string }>('POST', `${base()}/webhooks`, {
        url: receiver.url,
        events: ['job.finished', 'findings.changed'],
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const job = await createJob('example.test', 'dns_lookup');
      await cast.analyst.call('POST', `${base()}/jobs/${job.id}/enqueue`);
      await waitForStatus(job.id, ['SUCCEEDED']);
      const requests = await receiver.waitForRequests(2, 20000);
      const bodies = requests.map((request) => {
        assert.equal(signatureProblem(request, hook.body.secret), null);
        return JSON.parse(request.body) as { event: string; data: { job: { id: string; status: string } } };
      });
      assert.deepEqual(bodies.map((body) => body.event).sort(), ['findings.changed', 'job.finished']);
      for (const body of bodies) assert.deepEqual([body.data.job.id, body.data.job.status], [job.id, 'SUCCEEDED']);
      const deliveries = await cast.admin.call<{ items: { status: string }[] }>('GET', `${base()}/webhooks/${hook.body.id}/deliveries`);
      assert.equal(deliveries.body.items.length, 2);
    } finally {
      await receiver.close();
    }
  });

  it('tells a subscribed webhook that a CREATED job was cancelled, signed, though no workflow ran it', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const hook = await cast.admin.call<{ id: string; secret: string }>('POST', `${base()}/webhooks`, { url: receiver.url, events: ['job.finished'] });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const job = await createJob('cancelled.example.test', 'dns_lookup');
      assert.equal((await cast.analyst.call('POST', `${base()}/jobs/${job.id}/cancel`, { reason: 'wrong target' })).status, 200);
      const [request] = await receiver.waitForRequests(1, 20000);
      assert.equal(signatureProblem(request!, hook.body.secret), null);
      const body = JSON.parse(request!.body) as { event: string; data: { job: { id: string; status: string; last_error: string } } };
      assert.deepEqual([body.event, body.data.job.id, body.data.job.status], ['job.finished', job.id, 'CANCELLED']);
      assert.match(body.data.job.last_error, /^cancelled by /);
      const deliveries = await cast.admin.call<{ items: { status: string; event: string }[] }>('GET', `${base()}/webhooks/${hook.body.id}/deliveries`);
      assert.deepEqual(deliveries.body.items.map((delivery) => delivery.event), ['job.finished']);
    } finally {
      await receiver.close();
    }
  });

  it('answers a second enqueue with the job as it is, and starts no second workflow', async () => {
    const job = await createJob('example.test', 'dns_lookup');
    const [first, second] = await Promise.all([
      cast.analyst.call<Job>('POST', `${base()}/jobs/${job.id}/enqueue`),
      cast.analyst.call<Job>('POST', `${base()}/jobs/${job.id}/enqueue`),
    ]);
    assert.deepEqual([first.status, second.status].sort(), [200, 202]);
    await waitForStatus(job.id, ['SUCCEEDED']);
    const queued = (await events(job.id)).filter((event) => event.to_status === 'QUEUED');
    assert.equal(queued.length, 1);
  });

  it('shows RETRYING with the attempt, error and next retry time after a SERVFAIL, then succeeds on the next attempt', async () => {
    dns.script.servfail = true;
    const job = await createJob('example.test', 'dns_lookup');
    await cast.analyst.call('POST', `${base()}/jobs/${job.id}/enqueue`);
    const retryingJob = await waitForStatus(job.id, ['RETRYING']);
    assert.equal(retryingJob.attempts, 1);
    assert.match(retryingJob.last_error ?? '', /SERVFAIL/i);
    assert.ok(retryingJob.next_retry_at, 'the time of the next attempt is shown');
    dns.script.servfail = false;
    const done = await waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'DEAD_LETTER']);
    assert.equal(done.status, 'SUCCEEDED');
    const history = await events(job.id);
    assert.deepEqual(history.map((event) => event.to_status), ['CREATED', 'QUEUED', 'RUNNING', 'RETRYING', 'RUNNING', 'SUCCEEDED']);
    const retrying = history[3]!;
    assert.equal(retrying.attempt, 1);
    assert.match(retrying.error ?? '', /SERVFAIL/i);
    assert.equal(history[4]!.attempt, 2);
    // The Web UI's status attribute told the same story: the activity reported RETRYING and the next
    // RUNNING (the failed first attempt ended within a second, too soon to report its RUNNING).
    assert.deepEqual(await searchAttributeHistory(job.id), ['RETRYING', 'RUNNING', 'SUCCEEDED']);
  });

  it('ends FAILED without retrying when the scanning guard refuses the target', async () => {
    const job = await createJob('internal.test', 'port_scan', { ports: [22, 80] });
    await cast.analyst.call('POST', `${base()}/jobs/${job.id}/enqueue`);
    const failed = await waitForStatus(job.id, ['FAILED', 'DEAD_LETTER', 'SUCCEEDED']);
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.last_error ?? '', /10\.0\.0\.1/);
    assert.deepEqual((await events(job.id)).map((event) => event.to_status), ['CREATED', 'QUEUED', 'RUNNING', 'FAILED']);
    assert.deepEqual(await workflowStatus(job.id), { status: 'FAILED', jobStatus: 'FAILED' });
  });

  it('dead-letters through FAILED when retries run out, then a requeue succeeds in run 2', async () => {
    dns.script.servfail = true;
    const job = await createJob('example.test', 'dns_lookup');
    await cast.analyst.call('POST', `${base()}/jobs/${job.id}/enqueue`);
    const dead = await waitForStatus(job.id, ['DEAD_LETTER', 'SUCCEEDED']);
    assert.equal(dead.status, 'DEAD_LETTER');
    const history = (await events(job.id)).map((event) => event.to_status);
    assert.deepEqual(history.slice(-2), ['FAILED', 'DEAD_LETTER']);
    assert.equal(history.filter((status) => status === 'RUNNING').length, 3);
    assert.deepEqual(await workflowStatus(job.id), { status: 'FAILED', jobStatus: 'DEAD_LETTER' });

    dns.script.servfail = false;
    const requeued = await cast.analyst.call<Job>('POST', `${base()}/jobs/${job.id}/requeue`);
    assert.equal(requeued.status, 202);
    assert.equal(requeued.body.run_number, 2);
    const succeeded = await waitForStatus(job.id, ['SUCCEEDED', 'DEAD_LETTER', 'FAILED']);
    assert.equal(succeeded.status, 'SUCCEEDED');
    assert.equal(succeeded.run_number, 2);
    const run2 = (await events(job.id)).filter((event) => event.run_number === 2).map((event) => event.to_status);
    assert.deepEqual(run2, ['QUEUED', 'RUNNING', 'SUCCEEDED']);
    assert.deepEqual(await workflowStatus(job.id), { status: 'COMPLETED', jobStatus: 'SUCCEEDED' });
  });

  it('refuses to requeue a job that has not failed, and to cancel a finished one, with 409', async () => {
    const job = await createJob('example.test', 'dns_lookup');
    assert.equal((await cast.analyst.call('POST', `${base()}/jobs/${job.id}/requeue`)).status, 409);
    await cast.analyst.call('POST', `${base()}/jobs/${job.id}/enqueue`);
    await waitForStatus(job.id, ['SUCCEEDED']);
    assert.equal((await cast.analyst.call('POST', `${base()}/jobs/${job.id}/cancel`)).status, 409);
  });

  it('cancels a CREATED job at once, without any workflow', async () => {
    const job = await createJob('example.test', 'dns_lookup');
    const cancelled = await cast.analyst.call<Job>('POST', `${base()}/jobs/${job.id}/cancel`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'CANCELLED');
    assert.deepEqual((await events(job.id)).map((event) => event.to_status), ['CREATED', 'CANCELLED']);
  });

  it('cancels a running job through its workflow: the job ends CANCELLED and so does the workflow', async () => {
    dns.script.dropFirst = 1_000_000; // the lookup hangs until cancelled
    const job = await createJob('example.test', 'dns_lookup');
    await cast.analyst.call('POST', `${base()}/jobs/${job.id}/enqueue`);
    await waitForStatus(job.id, ['RUNNING', 'RETRYING']);
    const started = Date.now();
    const cancel = await cast.analyst.call<Job>('POST', `${base()}/jobs/${job.id}/cancel`, { reason: 'wrong target' });
    assert.equal(cancel.status, 202);
    const cancelled = await waitForStatus(job.id, ['CANCELLED'], 15000);
    assert.ok(Date.now() - started < 10000);
    assert.match(cancelled.last_error ?? '', /wrong target/);
    assert.deepEqual(await workflowStatus(job.id), { status: 'CANCELLED', jobStatus: 'CANCELLED' });
  });

  it('leaves Postgres and Temporal agreeing on every job after 20 jobs with random cancels and requeues', async () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const jobs: Job[] = [];
    for (let index = 0; index < 20; index += 1) {
      jobs.push(
        index % 4 === 3
          ? await createJob('internal.test', 'port_scan', { ports: [1000 + index] })
          : await createJob(`host-${index}.example.test`, 'dns_lookup'),
      );
    }
    await Promise.all(jobs.map((job) => cast.analyst.call('POST', `${base()}/jobs/${job.id}/enqueue`)));
    for (const job of jobs) {
      if (random() < 0.3) await cast.analyst.call('POST', `${base()}/jobs/${job.id}/cancel`);
    }
    const finished = ['SUCCEEDED', 'FAILED', 'DEAD_LETTER', 'CANCELLED'];
    for (const job of jobs) {
      const state = await waitForStatus(job.id, finished);
      if ((state.status === 'FAILED' || state.status === 'DEAD_LETTER') && random() < 0.7) {
        assert.equal((await cast.analyst.call('POST', `${base()}/jobs/${job.id}/requeue`)).status, 202);
        if (random() < 0.3) await cast.analyst.call('POST', `${base()}/jobs/${job.id}/cancel`);
      }
    }
    const expected: Record<string, string> = { SUCCEEDED: 'COMPLETED', FAILED: 'FAILED', DEAD_LETTER: 'FAILED', CANCELLED: 'CANCELLED' };
    for (const job of jobs) {
      const { status: temporalStatus, jobStatus } = await workflowStatus(job.id);
      const row = await waitForStatus(job.id, finished);
      assert.equal(temporalStatus, expected[row.status], `job ${job.id}: Postgres ${row.status}, Temporal ${temporalStatus}`);
      assert.equal(jobStatus, row.status, `job ${job.id}: search attribute ${String(jobStatus)}, Postgres ${row.status}`);
    }
  });

  it('ends every job the same way in Postgres and Temporal when enqueue and cancel race on CREATED jobs', async () => {
    const jobs: Job[] = [];
    for (let index = 0; index < 8; index += 1) jobs.push(await createJob(`race-${index}.example.test`, 'dns_lookup'));
    await Promise.all(
      jobs.map((job, index) => {
        const enqueue = () => cast.analyst.call('POST', `${base()}/jobs/${job.id}/enqueue`);
        const cancel = () => cast.analyst.call('POST', `${base()}/jobs/${job.id}/cancel`);
        return Promise.all(index % 2 === 0 ? [enqueue(), cancel()] : [cancel(), enqueue()]);
      }),
    );
    const expected: Record<string, string> = { SUCCEEDED: 'COMPLETED', CANCELLED: 'CANCELLED' };
    for (const job of jobs) {
      const row = await waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'DEAD_LETTER', 'CANCELLED']);
      assert.ok(row.status in expected, `job ${job.id} ended ${row.status}`);
      const { Client, WorkflowNotFoundError } = await import('@temporalio/client');
      const client = new Client({ connection: clients.temporal, namespace: clients.config.temporal.namespace });
      const handle = client.workflow.getHandle(job.id);
      await handle.result().catch(() => undefined);
      const description = await handle.describe().catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      });
      // A job cancelled while CREATED never got a workflow; one that did ends as its job did.
      if (description) {
        assert.equal(description.status.name, expected[row.status], `job ${job.id}: Postgres ${row.status}, Temporal ${description.status.name}`);
        assert.deepEqual(description.searchAttributes.OsintJobStatus, [row.status]);
      } else {
        assert.equal(row.status, 'CANCELLED');
      }
    }
  });
});
