import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createWebhookActivities } from '../../../activities/webhook-activities';
import { noopJobMetrics } from '../../../core/job-metrics';
import { taskQueueName } from '../../../core/domain/temporal';
import type { JobFinishedNotice } from '../../../core/domain/webhooks';
import { createLogger } from '../../../core/logger';
import { createRepositories } from '../../../db/repositories';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { openTestClients, resetState, type TestClients } from '../../helpers/clients';
import { findingInput, insertFindings, insertJob, insertTarget, type TargetFixture } from '../../helpers/factories';
import { pollUntil } from '../../helpers/poll';
import { createTestWorker, workflowBundle, type TestWorker } from '../../helpers/temporal-worker';
import { startDnsServer, type DnsServer } from '../../fixture-servers/dns-server';
import { signatureProblem, startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../../fixture-servers/webhook-receiver';

type Delivery = {
  id: string;
  event: string;
  job_id: string;
  status: string;
  attempts: number;
  response_status: number | null;
  last_error: string | null;
  attempt_log: { attempt: number; status_code: number | null; error: string | null }[];
  payload: { id: string; event: string; workspace_id: string; data: { job: { id: string; status: string }; diff?: { against_job_id: string | null; counts: Record<string, number> } } };
};

/**
 * A delivery worker on the general task queue of `clients` (opened with a task queue prefix of
 * their own, so the API's pings reach it too), and notifyJobFinished starting workflows on it.
 */
interface DeliveryWorker {
  readonly worker: TestWorker;
  readonly taskQueue: string;
  /** The delivery outcomes the worker counted, in order (osint_webhook_deliveries_total). */
  readonly outcomes: string[];
  notify(notice: JobFinishedNotice): Promise<{ events: string[]; deliveries: number }>;
}

async function startDeliveryWorker(clients: TestClients): Promise<DeliveryWorker> {
  const taskQueue = taskQueueName(clients.config.temporal.taskQueue, 'general');
  const outcomes: string[] = [];
  const metrics = { ...noopJobMetrics, webhookDelivery: (outcome: string) => void outcomes.push(outcome) };
  const deps = { config: clients.config, knex: clients.knex, repos: createRepositories(clients.knex), logger: createLogger({ name: 'worker', level: 'silent' }), metrics };
  // The worker's activities use the client the worker gives them (Context.current().client).
  const worker = await createTestWorker(createWebhookActivities({ ...deps, webhookTaskQueue: taskQueue }), { taskQueue });
  const { notifyJobFinished } = createWebhookActivities({ ...deps, temporal: worker.client, webhookTaskQueue: taskQueue });
  return { worker, taskQueue, outcomes, notify: notifyJobFinished };
}

/** The outcomes counted once `count` of them are in (they follow the row's last write by a moment). */
async function countedOutcomes(worker: DeliveryWorker, count: number): Promise<string[]> {
  await pollUntil(() => worker.outcomes.length, (counted) => counted >= count, { tries: 100, intervalMs: 20 });
  return worker.outcomes.splice(0);
}

describe('webhook delivery (real dev server, real activities)', function () {
  this.timeout(60000);
  let dns: DnsServer;
  let clients: TestClients;
  let guarded: TestClients;
  let api: TestApi;
  let delivery: DeliveryWorker;
  let guardedDelivery: DeliveryWorker;
  let receiver: WebhookReceiver;
  let cast: WorkspaceCast;
  let target: TargetFixture;
  let running: Promise<unknown>;
  let stopWorkers: () => void;
  const base = () => `/workspaces/${cast.workspaceId}`;

  before(async () => {
    await workflowBundle();
    dns = await startDnsServer({ zone: [{ name: 'hooks.example.test', type: 'A', data: '127.0.0.1', ttl: 300 }] });
    const network = { DNS_SERVERS: dns.address, DNS_TIMEOUT_MS: '300', DNS_TRIES: '1' };
    clients = await openTestClients({ ...network, SCAN_ALLOWED_CIDRS: '127.0.0.1/32', TEMPORAL_TASK_QUEUE: `hooks-${randomUUID()}` });
    guarded = await openTestClients({ ...network, SCAN_ALLOWED_CIDRS: '', TEMPORAL_TASK_QUEUE: `hooks-guarded-${randomUUID()}` });
    api = await startTestApi(clients);
    delivery = await startDeliveryWorker(clients);
    guardedDelivery = await startDeliveryWorker(guarded);
    const stop = new Promise<void>((resolve) => {
      stopWorkers = resolve;
    });
    running = Promise.all([delivery.worker.runUntil(stop), guardedDelivery.worker.runUntil(stop)]);
  });

  after(async () => {
    stopWorkers();
    await running;
    await Promise.all([delivery.worker.close(), guardedDelivery.worker.close()]);
    await api.close();
    await Promise.all([clients.close(), guarded.close(), dns.close()]);
  });

  beforeEach(async () => {
    await resetState(clients);
    receiver = await startWebhookReceiver();
    cast = await createWorkspaceCast(api.url, 'hooks');
    target = await insertTarget(clients.knex, cast.workspaceId);
  });

  afterEach(async () => receiver.close());

  async function createWebhook(events: string[], url = receiver.url): Promise<{ id: string; secret: string }> {
    const response = await cast.admin.call<{ id: string; secret: string }>('POST', `${base()}/webhooks`, { url, events });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  }

  async function finishedJob(status: string, items: string[] = [], finishedAt = new Date()): Promise<string> {
    const job = await insertJob(clients.knex, cast.workspaceId, target.id, { status });
    await clients.knex('jobs').where({ id: job.id }).update({ finished_at: finishedAt });
    if (items.length > 0) await insertFindings(clients.knex, cast.workspaceId, job.id, items.map((subject) => findingInput({ subject, target_id: target.id })));
    return job.id;
  }

  async function deliveries(webhookId: string): Promise<Delivery[]> {
    const response = await cast.admin.call<{ items: Delivery[] }>('GET', `${base()}/webhooks/${webhookId}/deliveries`);
    assert.equal(response.status, 200);
    return response.body.items;
  }

  async function settled(webhookId: string, count = 1): Promise<Delivery[]> {
    const deadline = Date.now() + 30000;
    for (;;) {
      const items = await deliveries(webhookId);
      if (items.length >= count && items.every((item) => item.status !== 'PENDING')) return items;
      if (Date.now() > deadline) assert.fail(`deliveries still pending: ${JSON.stringify(items)}`);
      await sleep(50);
    }
  }

  function assertSigned(request: ReceivedRequest, secret: string): void {
    assert.equal(signatureProblem(request, secret), null);
  }

  it('delivers job.finished to a loopback receiver as a signed JSON POST, and records it DELIVERED', async () => {
    const webhook = await createWebhook(['job.finished']);
    const jobId = await finishedJob('SUCCEEDED');
    const result = await delivery.notify({ workspaceId: cast.workspaceId, jobId, status: 'SUCCEEDED' });
    assert.deepEqual(result, { events: ['job.finished'], deliveries: 1 });
    const [request] = await receiver.waitForRequests(1);
    assert.equal(request!.method, 'POST');
    assert.equal(request!.path, '/hooks');
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.equal(request!.headers['x-osint-event'], 'job.finished');
    assertSigned(request!, webhook.secret);
    const body = JSON.parse(request!.body) as Delivery['payload'];
    assert.equal(body.event, 'job.finished');
    assert.equal(body.workspace_id, cast.workspaceId);
    assert.deepEqual([body.data.job.id, body.data.job.status], [jobId, 'SUCCEEDED']);
    assert.equal(request!.headers['x-osint-delivery'], body.id);
    assert.equal(signatureProblem(request!, 'another secret'), 'signature does not match');

    const [recorded] = await settled(webhook.id);
    assert.deepEqual([recorded!.id, recorded!.status, recorded!.attempts, recorded!.response_status, recorded!.job_id], [body.id, 'DELIVERED', 1, 200, jobId]);
  });

  it('retries with backoff after the receiver answers 500 twice, signing every attempt, and records each attempt', async () => {
    receiver.script.push(500, 500);
    delivery.outcomes.length = 0;
    const webhook = await createWebhook(['job.finished']);
    const jobId = await finishedJob('FAILED');
    await delivery.notify({ workspaceId: cast.workspaceId, jobId, status: 'FAILED' });
    const requests = await receiver.waitForRequests(3);
    for (const request of requests) assertSigned(request, webhook.secret);
    assert.equal(new Set(requests.map((request) => request.headers['x-osint-delivery'])).size, 1, 'one delivery, three attempts');
    const gaps = [requests[1]!.at - requests[0]!.at, requests[2]!.at - requests[1]!.at];
    assert.ok(gaps[0]! >= 45 && gaps[1]! >= 95, `backoff of 50 ms doubling, got ${gaps.join(', ')} ms`);

    const [recorded] = await settled(webhook.id);
    assert.equal(recorded!.status, 'DELIVERED');
    assert.equal(recorded!.attempts, 3);
    assert.deepEqual(recorded!.attempt_log.map((attempt) => attempt.status_code), [500, 500, 200]);
    assert.match(recorded!.attempt_log[0]!.error ?? '', /HTTP 500/);
    assert.deepEqual(await countedOutcomes(delivery, 3), ['retrying', 'retrying', 'delivered']);
  });

  it('refuses to deliver to a private address when the guard is on, and contacts nothing', async () => {
    const webhook = await createWebhook(['job.finished']);
    const named = await createWebhook(['job.finished'], `http://hooks.example.test:${receiver.port}/hooks`);
    const jobId = await finishedJob('SUCCEEDED');
    const result = await guardedDelivery.notify({ workspaceId: cast.workspaceId, jobId, status: 'SUCCEEDED' });
    assert.equal(result.deliveries, 2);
    for (const id of [webhook.id, named.id]) {
      const [recorded] = await settled(id);
      assert.equal(recorded!.status, 'FAILED');
      assert.equal(recorded!.attempts, 1, 'a refusal is not retried');
      assert.match(recorded!.last_error ?? '', /refused to contact .*127\.0\.0\.1 is in a loopback range/);
    }
    assert.equal(receiver.requests.length, 0);
  });

  it('reaches a host name through the configured resolvers, connecting to the address the guard checked', async () => {
    const webhook = await createWebhook(['job.finished'], `http://hooks.example.test:${receiver.port}/hooks`);
    const jobId = await finishedJob('SUCCEEDED');
    await delivery.notify({ workspaceId: cast.workspaceId, jobId, status: 'SUCCEEDED' });
    const [request] = await receiver.waitForRequests(1);
    assert.equal(request!.headers.host, `hooks.example.test:${receiver.port}`);
    assertSigned(request!, webhook.secret);
    assert.equal((await settled(webhook.id))[0]!.status, 'DELIVERED');
  });

  it('sends an ADMIN\'s ping to the receiver signed, whatever events the webhook wants, and records it DELIVERED', async () => {
    const webhook = await createWebhook(['findings.changed']);
    const response = await cast.admin.call<Delivery>('POST', `${base()}/webhooks/${webhook.id}/ping`);
    assert.equal(response.status, 202);
    assert.deepEqual([response.body.event, response.body.status, response.body.job_id, response.body.attempts], ['webhook.ping', 'PENDING', null, 0]);
    const [request] = await receiver.waitForRequests(1);
    assert.equal(request!.headers['x-osint-event'], 'webhook.ping');
    assert.equal(request!.headers['x-osint-delivery'], response.body.id);
    assertSigned(request!, webhook.secret);
    const body = JSON.parse(request!.body) as { event: string; workspace_id: string; data: { webhook: { id: string; events: string[] }; sent_by: string } };
    assert.deepEqual([body.event, body.workspace_id, body.data.webhook, body.data.sent_by], ['webhook.ping', cast.workspaceId, { id: webhook.id, events: ['findings.changed'] }, cast.admin.id]);
    const [recorded] = await settled(webhook.id);
    assert.deepEqual([recorded!.id, recorded!.status, recorded!.response_status], [response.body.id, 'DELIVERED', 200]);
  });

  it('signs with the new secret and posts to the new URL once a webhook is edited', async () => {
    const webhook = await createWebhook(['job.finished'], 'https://hooks.example.test/old');
    const edited = await cast.admin.call<{ url: string; secret: string }>('PATCH', `${base()}/webhooks/${webhook.id}`, { url: receiver.url, rotate_secret: true });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.url, receiver.url);
    assert.notEqual(edited.body.secret, webhook.secret);
    await cast.admin.call('POST', `${base()}/webhooks/${webhook.id}/ping`);
    const [request] = await receiver.waitForRequests(1);
    assertSigned(request!, edited.body.secret);
    assert.equal(signatureProblem(request!, webhook.secret), 'signature does not match');
  });

  it('never blocks the job on a receiver that is down: notify returns at once, the delivery fails after its attempts', async () => {
    const webhook = await createWebhook(['job.finished']);
    delivery.outcomes.length = 0;
    await receiver.close();
    const jobId = await finishedJob('SUCCEEDED');
    const started = Date.now();
    await delivery.notify({ workspaceId: cast.workspaceId, jobId, status: 'SUCCEEDED' });
    assert.ok(Date.now() - started < 2000, 'notify does not wait for the receiver');
    const [recorded] = await settled(webhook.id);
    assert.equal(recorded!.status, 'FAILED');
    assert.equal(recorded!.attempts, clients.config.webhooks.maxAttempts);
    assert.match(recorded!.last_error ?? '', /ECONNREFUSED/);
    const job = await clients.knex('jobs').where({ id: jobId }).first('status');
    assert.equal(job.status, 'SUCCEEDED');
    // Every attempt but the last counts as retrying; the delivery given up counts once as failed.
    const { maxAttempts } = clients.config.webhooks;
    assert.deepEqual(await countedOutcomes(delivery, maxAttempts), [...Array<string>(maxAttempts - 1).fill('retrying'), 'failed']);
  });

  it('gives up at once on an answer retrying cannot fix (410)', async () => {
    receiver.otherwise = 410;
    delivery.outcomes.length = 0;
    const webhook = await createWebhook(['job.finished']);
    await delivery.notify({ workspaceId: cast.workspaceId, jobId: await finishedJob('CANCELLED'), status: 'CANCELLED' });
    const [recorded] = await settled(webhook.id);
    assert.deepEqual([recorded!.status, recorded!.attempts, recorded!.response_status], ['FAILED', 1, 410]);
    assert.equal(receiver.requests.length, 1);
    assert.deepEqual(await countedOutcomes(delivery, 1), ['failed'], 'a permanent failure counts once, as failed');
  });

  it('sends job.dead_lettered and job.finished only to the webhooks that want them', async () => {
    const both = await createWebhook(['job.finished', 'job.dead_lettered']);
    const deadOnly = await createWebhook(['job.dead_lettered']);
    const changesOnly = await createWebhook(['findings.changed']);
    const jobId = await finishedJob('DEAD_LETTER');
    const result = await delivery.notify({ workspaceId: cast.workspaceId, jobId, status: 'DEAD_LETTER' });
    assert.deepEqual(result, { events: ['job.finished', 'job.dead_lettered'], deliveries: 3 });
    assert.deepEqual((await settled(both.id, 2)).map((item) => item.event).sort(), ['job.dead_lettered', 'job.finished']);
    assert.deepEqual((await settled(deadOnly.id)).map((item) => item.event), ['job.dead_lettered']);
    assert.deepEqual(await deliveries(changesOnly.id), []);
  });

  it('sends findings.changed with the counts only when the diff against the previous job is not empty', async () => {
    const webhook = await createWebhook(['findings.changed']);
    await finishedJob('SUCCEEDED', ['a.example', 'b.example'], new Date(Date.now() - 20000));
    const same = await finishedJob('SUCCEEDED', ['a.example', 'b.example'], new Date(Date.now() - 10000));
    assert.deepEqual(await delivery.notify({ workspaceId: cast.workspaceId, jobId: same, status: 'SUCCEEDED' }), { events: [], deliveries: 0 });
    const changed = await finishedJob('SUCCEEDED', ['a.example', 'c.example']);
    assert.deepEqual(await delivery.notify({ workspaceId: cast.workspaceId, jobId: changed, status: 'SUCCEEDED' }), { events: ['findings.changed'], deliveries: 1 });
    const [recorded] = await settled(webhook.id);
    assert.equal(recorded!.status, 'DELIVERED');
    assert.deepEqual(recorded!.payload.data.diff, { against_job_id: same, counts: { new: 1, gone: 1, changed: 0, unchanged: 1 } });
  });

  it('records and sends one delivery however often the notification is retried', async () => {
    const webhook = await createWebhook(['job.finished']);
    const jobId = await finishedJob('SUCCEEDED');
    const notice = { workspaceId: cast.workspaceId, jobId, status: 'SUCCEEDED' };
    await Promise.all([delivery.notify(notice), delivery.notify(notice)]);
    await delivery.notify(notice);
    await settled(webhook.id);
    await sleep(300);
    assert.equal(receiver.requests.length, 1);
    assert.equal((await deliveries(webhook.id)).length, 1);
  });

  it("starts deliveries with the worker's own client when it was given none", async () => {
    const webhook = await createWebhook(['job.finished']);
    const jobId = await finishedJob('SUCCEEDED');
    const { notifyJobFinished } = createWebhookActivities({
      config: clients.config,
      knex: clients.knex,
      repos: createRepositories(clients.knex),
      logger: createLogger({ name: 'worker', level: 'silent' }),
      webhookTaskQueue: delivery.taskQueue,
    });
    await new MockActivityEnvironment({}, { client: delivery.worker.client }).run(notifyJobFinished, { workspaceId: cast.workspaceId, jobId, status: 'SUCCEEDED' });
    assert.equal((await settled(webhook.id))[0]!.status, 'DELIVERED');
  });
});
