import assert from 'node:assert/strict';
import { Client } from '@temporalio/client';
import { TECHNIQUES } from '../../../core/domain/techniques';
import { taskQueueName } from '../../../core/domain/temporal';
import { JOB_WORKFLOW_TYPE } from '../../../workflows/signals';
import { addTarget } from '../../helpers/actors';
import { startWorkerHarness, type WorkerHarness } from '../../helpers/worker-harness';

/** A job still waiting in its task queue (no worker polls yet) is cancelled before anything runs. */
describe('cancelling a QUEUED job', function () {
  this.timeout(120000);
  let harness: WorkerHarness;
  let client: Client;

  before(async () => {
    harness = await startWorkerHarness();
    client = new Client({ connection: harness.clients.temporal, namespace: harness.clients.config.temporal.namespace });
  });

  after(async () => harness?.close());

  /** Runs `body` while a worker polls the harness's queues: the workflow's first task needs one. */
  async function withWorker(body: () => Promise<void>): Promise<void> {
    const worker = await harness.startWorker();
    try {
      await body();
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  }

  /** Waits for the job's workflow to close; it must have ended cancelled, labelled so, without running the technique. */
  async function assertWorkflowCancelled(jobId: string): Promise<void> {
    const handle = client.workflow.getHandle(jobId);
    await handle.result().catch(() => undefined);
    const description = await handle.describe();
    assert.equal(description.status.name, 'CANCELLED');
    assert.deepEqual(description.searchAttributes.OsintJobStatus, ['CANCELLED']);
    const history = await handle.fetchHistory();
    assert.ok(!(history.events ?? []).some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'runTechnique'), 'the technique never ran');
  }

  it('ends the job CANCELLED and its workflow cancelled, and no worker runs it afterwards', async () => {
    const job = await harness.enqueueDnsJob();
    assert.equal(job.status, 'QUEUED');
    const path = `/workspaces/${harness.cast.workspaceId}/jobs/${job.id}`;
    const cancel = await harness.cast.analyst.call<{ status: string }>('POST', `${path}/cancel`, { reason: 'wrong target' });
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));

    await withWorker(async () => {
      const cancelled = await harness.waitForStatus(job.id, ['CANCELLED', 'SUCCEEDED', 'FAILED']);
      assert.equal(cancelled.status, 'CANCELLED');
      assert.deepEqual((await harness.events(job.id)).map((event) => event.to_status), ['CREATED', 'QUEUED', 'CANCELLED']);
      await assertWorkflowCancelled(job.id);
      assert.equal((await harness.clients.knex('evidence').where({ job_id: job.id })).length, 0);
    });
  });

  it('cancels a job named by its id in capitals: the same job, and its workflow ends cancelled', async () => {
    const job = await harness.enqueueDnsJob();
    const base = `/workspaces/${harness.cast.workspaceId.toUpperCase()}/jobs/${job.id.toUpperCase()}`;
    const cancel = await harness.cast.analyst.call<{ id: string; status: string }>('POST', `${base}/cancel`, { reason: 'capitals' });
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
    assert.equal(cancel.body.id, job.id);
    const audit = await harness.clients.knex('audit_logs').where({ entity_id: job.id, action: 'job.cancel_requested' });
    assert.equal(audit.length, 1);

    await withWorker(async () => {
      assert.equal((await harness.waitForStatus(job.id, ['CANCELLED', 'SUCCEEDED', 'FAILED'])).status, 'CANCELLED');
      await assertWorkflowCancelled(job.id);
    });
  });

  it('ends cancelled the workflow a schedule started for a job still CREATED, without running the technique', async () => {
    const { cast, clients } = harness;
    const base = `/workspaces/${cast.workspaceId}`;
    const targetId = await addTarget(cast.analyst, cast.workspaceId, 'domain', 'scheduled-cancel.example.test');
    const schedule = await cast.analyst.call<{ id: string }>('POST', `${base}/schedules`, { target_id: targetId, technique: 'dns_lookup', interval_seconds: 86400, paused: true });
    assert.equal(schedule.status, 201, JSON.stringify(schedule.body));
    // What a firing does: the job row, CREATED, with its schedule, and the job's workflow started
    // on the technique's queue; the job is queued only once a worker runs it.
    const job = await cast.analyst.call<{ id: string }>('POST', `${base}/jobs`, { target_id: targetId, technique: 'dns_lookup' });
    await clients.knex('jobs').where({ id: job.body.id }).update({ schedule_id: schedule.body.id });
    await client.workflow.start(JOB_WORKFLOW_TYPE, {
      workflowId: job.body.id,
      taskQueue: taskQueueName(clients.config.temporal.taskQueue, TECHNIQUES.dns_lookup.queueClass),
      args: [{ jobId: job.body.id }],
    });

    const cancel = await cast.analyst.call<{ status: string }>('POST', `${base}/jobs/${job.body.id}/cancel`, { reason: 'not this week' });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.equal(cancel.body.status, 'CANCELLED');

    await withWorker(async () => {
      await assertWorkflowCancelled(job.body.id);
      assert.deepEqual((await harness.events(job.body.id)).map((event) => event.to_status), ['CREATED', 'CANCELLED']);
    });
  });
});
