import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { JobPlan, MirrorRequest, TechniqueOutcome } from '../../../core/domain/job-execution';
import { cancelSignal } from '../../../workflows/signals';
import { createTestWorker, workflowBundle } from '../../helpers/temporal-worker';

const POLICY = { maxAttempts: 3, initialIntervalMs: 10, backoffCoefficient: 1, maximumIntervalMs: 20, activityTimeoutMs: 20000, heartbeatTimeoutMs: 2000 };
const OUTCOME: TechniqueOutcome = { evidence: 1, evidenceKeys: ['k'], findingsNew: 2, findingsSeenAgain: 0, summary: {} };

/** Activities with the technique scripted per attempt; every mirror write is recorded. */
function stubs(technique: (attempt: number) => Promise<TechniqueOutcome>) {
  const mirrored: string[] = [];
  const jobId = randomUUID();
  const plan: JobPlan = {
    jobId,
    workspaceId: randomUUID(),
    targetId: randomUUID(),
    target: { type: 'domain', value: 'example.test' },
    technique: 'dns_lookup',
    params: {},
    status: 'CREATED',
    runNumber: 1,
    policy: POLICY,
  };
  const activities = {
    loadJobPlan: async () => plan,
    // Local activities run at least once; the real mirror ignores repeats, so the record does too.
    mirrorJobState: async (request: MirrorRequest) => {
      if (mirrored[mirrored.length - 1] !== request.to) mirrored.push(request.to);
      return true;
    },
    runTechnique: async () => technique(Context.current().info.attempt),
  };
  return { activities, mirrored, jobId };
}

describe('the job workflow (real dev server, stubbed activities)', function () {
  this.timeout(60000);
  before(async () => {
    await workflowBundle();
  });

  it('mirrors QUEUED then SUCCEEDED and completes with the counts', async () => {
    const { activities, mirrored, jobId } = stubs(async () => OUTCOME);
    const worker = await createTestWorker(activities);
    try {
      const result = await worker.runUntil(
        worker.client.workflow.execute('jobWorkflow', { workflowId: jobId, taskQueue: worker.taskQueue, args: [{ jobId }] }),
      );
      assert.deepEqual(result, OUTCOME);
      assert.deepEqual(mirrored, ['QUEUED', 'SUCCEEDED']);
    } finally {
      await worker.close();
    }
  });

  it('retries a transient failure and succeeds on a later attempt', async () => {
    const { activities, mirrored, jobId } = stubs(async (attempt) => {
      if (attempt < 3) throw ApplicationFailure.retryable('timeout', 'TechniqueTransientError');
      return OUTCOME;
    });
    const worker = await createTestWorker(activities);
    try {
      await worker.runUntil(worker.client.workflow.execute('jobWorkflow', { workflowId: jobId, taskQueue: worker.taskQueue, args: [{ jobId }] }));
      assert.deepEqual(mirrored, ['QUEUED', 'SUCCEEDED']);
    } finally {
      await worker.close();
    }
  });

  it('ends FAILED, and the workflow failed, on a non-retryable failure', async () => {
    let attempts = 0;
    const { activities, mirrored, jobId } = stubs(async () => {
      attempts += 1;
      throw ApplicationFailure.nonRetryable('guard refused 10.0.0.1', 'TechniquePermanentError');
    });
    const worker = await createTestWorker(activities);
    try {
      const run = worker.client.workflow.execute('jobWorkflow', { workflowId: jobId, taskQueue: worker.taskQueue, args: [{ jobId }] });
      await assert.rejects(worker.runUntil(run), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        assert.equal((error.cause as ApplicationFailure).type, 'JobFailed');
        return true;
      });
      assert.equal(attempts, 1);
      assert.deepEqual(mirrored, ['QUEUED', 'FAILED']);
    } finally {
      await worker.close();
    }
  });

  it('ends DEAD_LETTER through FAILED when retries are exhausted', async () => {
    let attempts = 0;
    const { activities, mirrored, jobId } = stubs(async () => {
      attempts += 1;
      throw ApplicationFailure.retryable('SERVFAIL', 'TechniqueTransientError');
    });
    const worker = await createTestWorker(activities);
    try {
      const run = worker.client.workflow.execute('jobWorkflow', { workflowId: jobId, taskQueue: worker.taskQueue, args: [{ jobId }] });
      await assert.rejects(worker.runUntil(run), (error: unknown) => {
        assert.equal(((error as WorkflowFailedError).cause as ApplicationFailure).type, 'JobDeadLettered');
        return true;
      });
      assert.equal(attempts, POLICY.maxAttempts);
      assert.deepEqual(mirrored, ['QUEUED', 'FAILED', 'DEAD_LETTER']);
    } finally {
      await worker.close();
    }
  });

  it('cancels a running technique through its heartbeats and ends cancelled', async () => {
    let sawCancel = false;
    const { activities, mirrored, jobId } = stubs(async () => {
      const context = Context.current();
      for (;;) {
        context.heartbeat();
        try {
          await context.sleep(100);
        } catch (error) {
          sawCancel = true;
          throw error;
        }
      }
    });
    const worker = await createTestWorker(activities);
    try {
      const handle = await worker.client.workflow.start('jobWorkflow', { workflowId: jobId, taskQueue: worker.taskQueue, args: [{ jobId }] });
      const outcome = worker.runUntil(
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          await handle.signal(cancelSignal, { by: 'tester', reason: 'wrong target' });
          await handle.cancel();
          return handle.result().catch((error: unknown) => error);
        })(),
      );
      const error = await outcome;
      assert.ok(error instanceof WorkflowFailedError);
      const description = await handle.describe();
      assert.equal(description.status.name, 'CANCELLED');
      assert.ok(sawCancel, 'the activity saw the cancellation');
      assert.deepEqual(mirrored, ['QUEUED', 'CANCELLED']);
    } finally {
      await worker.close();
    }
  });
});
