import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { ScheduledJobPlan } from '../../../core/domain/scheduled-jobs';
import { createTestWorker, workflowBundle } from '../../helpers/temporal-worker';

const POLICY = { maxAttempts: 1, initialIntervalMs: 10, backoffCoefficient: 1, maximumIntervalMs: 20, activityTimeoutMs: 20000, heartbeatTimeoutMs: 2000 };

describe('a schedule firing (real dev server, stubbed activities)', function () {
  this.timeout(60000);
  before(async () => {
    await workflowBundle();
  });

  it('cancels the job it created, and tells its webhooks CANCELLED, when the firing is cancelled while creating it', async () => {
    const calls: string[] = [];
    let created: () => void = () => undefined;
    const creating = new Promise<void>((resolve) => (created = resolve));
    const plan: Omit<ScheduledJobPlan, 'taskQueue'> = {
      jobId: randomUUID(),
      workspaceId: randomUUID(),
      targetId: randomUUID(),
      targetValue: 'example.test',
      technique: 'dns_lookup',
      runNumber: 1,
      status: 'CREATED',
      policy: POLICY,
    };
    const worker = await createTestWorker({
      // The job's row is committed while the cancellation arrives.
      createScheduledJob: async () => {
        calls.push('createScheduledJob');
        created();
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return { ...plan, taskQueue: worker.taskQueue };
      },
      cancelUnstartedJob: async (request: { jobId: string; reason: string }) => {
        calls.push(`cancelUnstartedJob ${request.jobId}: ${request.reason}`);
        return true;
      },
      notifyJobFinished: async (notice: { jobId: string; status: string }) => {
        calls.push(`notifyJobFinished ${notice.jobId} ${notice.status}`);
        return { events: ['job.finished'], deliveries: 1 };
      },
    });
    try {
      const handle = await worker.client.workflow.start('scheduledJobWorkflow', {
        workflowId: `firing-${randomUUID()}`,
        taskQueue: worker.taskQueue,
        args: [{ scheduleId: randomUUID(), nominalTime: '2026-01-01T00:00:00.000Z' }],
      });
      const error = await worker.runUntil(
        (async () => {
          await creating;
          await handle.cancel();
          return handle.result().catch((caught: unknown) => caught);
        })(),
      );
      assert.ok(error instanceof WorkflowFailedError);
      assert.equal((await handle.describe()).status.name, 'CANCELLED');
      assert.deepEqual(calls, [
        'createScheduledJob',
        `cancelUnstartedJob ${plan.jobId}: the firing was cancelled before its job started`,
        `notifyJobFinished ${plan.jobId} CANCELLED`,
      ]);
    } finally {
      await worker.close();
    }
  });
});
