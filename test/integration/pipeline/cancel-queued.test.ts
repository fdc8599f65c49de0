import assert from 'node:assert/strict';
import { Client } from '@temporalio/client';
import { startWorkerHarness, type WorkerHarness } from '../../helpers/worker-harness';

/** A job still waiting in its task queue (no worker polls yet) is cancelled before anything runs. */
describe('cancelling a QUEUED job', function () {
  this.timeout(120000);
  let harness: WorkerHarness;

  before(async () => {
    harness = await startWorkerHarness();
  });

  after(async () => harness?.close());

  it('ends the job CANCELLED and its workflow cancelled, and no worker runs it afterwards', async () => {
    const job = await harness.enqueueDnsJob();
    assert.equal(job.status, 'QUEUED');
    const path = `/workspaces/${harness.cast.workspaceId}/jobs/${job.id}`;
    const cancel = await harness.cast.analyst.call<{ status: string }>('POST', `${path}/cancel`, { reason: 'wrong target' });
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));

    // The workflow's first task needs a worker: the cancellation is mirrored once one polls.
    const worker = await harness.startWorker();
    try {
      const cancelled = await harness.waitForStatus(job.id, ['CANCELLED', 'SUCCEEDED', 'FAILED']);
      assert.equal(cancelled.status, 'CANCELLED');
      assert.deepEqual((await harness.events(job.id)).map((event) => event.to_status), ['CREATED', 'QUEUED', 'CANCELLED']);
      const client = new Client({ connection: harness.clients.temporal, namespace: harness.clients.config.temporal.namespace });
      const handle = client.workflow.getHandle(job.id);
      await handle.result().catch(() => undefined);
      const description = await handle.describe();
      assert.equal(description.status.name, 'CANCELLED');
      assert.deepEqual(description.searchAttributes.OsintJobStatus, ['CANCELLED']);
      const history = await handle.fetchHistory();
      assert.ok(!(history.events ?? []).some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'runTechnique'), 'the technique never ran');
      assert.equal((await harness.clients.knex('evidence').where({ job_id: job.id })).length, 0);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });
});
