import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { JobPlan, MirrorRequest, MirrorResult, TechniqueOutcome } from '../../../core/domain/job-execution';
import { isFinished, type JobStatus } from '../../../core/domain/job-states';
import { SEARCH_ATTRIBUTES } from '../../../core/domain/temporal';
import { cancelSignal } from '../../../workflows/signals';
import { createTestWorker, workflowBundle, type TestWorker } from '../../helpers/temporal-worker';

const POLICY = { maxAttempts: 3, initialIntervalMs: 10, backoffCoefficient: 1, maximumIntervalMs: 20, activityTimeoutMs: 20000, heartbeatTimeoutMs: 2000 };
const OUTCOME: TechniqueOutcome = { evidence: 1, evidenceKeys: ['k'], findingsNew: 2, findingsSeenAgain: 0, summary: {} };

/**
 * Activities with the technique scripted per attempt; every mirror write the workflow asks for is
 * recorded. `jobStatus` plays the job row: a mirror onto a finished job is not applied.
 */
function stubs(technique: (attempt: number) => Promise<TechniqueOutcome>, jobStatus: { current: JobStatus } = { current: 'CREATED' }) {
  const mirrored: string[] = [];
  const notified: string[] = [];
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
    mirrorJobState: async (request: MirrorRequest): Promise<MirrorResult> => {
      if (mirrored[mirrored.length - 1] !== request.to) mirrored.push(request.to);
      if (isFinished(jobStatus.current) && request.to !== 'DEAD_LETTER') return { applied: false, status: jobStatus.current, runNumber: 1 };
      jobStatus.current = request.to;
      return { applied: true, status: request.to, runNumber: 1 };
    },
    runTechnique: async () => technique(Context.current().info.attempt),
    notifyJobFinished: async (notice: { status: string }) => {
      notified.push(notice.status);
      return { events: [], deliveries: 0 };
    },
  };
  return { activities, mirrored, notified, jobId };
}

/** Runs `body` with a test worker polling for `activities`, closed afterwards. */
async function withWorker<T>(activities: WorkerOptions['activities'], body: (worker: TestWorker) => Promise<T>): Promise<T> {
  const worker = await createTestWorker(activities);
  try {
    return await body(worker);
  } finally {
    await worker.close();
  }
}

/** Starts the job's workflow and runs the worker until the workflow has ended. */
function runJob(worker: TestWorker, jobId: string): Promise<unknown> {
  return worker.runUntil(worker.client.workflow.execute('jobWorkflow', { workflowId: jobId, taskQueue: worker.taskQueue, args: [{ jobId }] }));
}

describe('the job workflow (real dev server, stubbed activities)', function () {
  this.timeout(60000);
  before(async () => {
    await workflowBundle();
  });

  it('mirrors QUEUED, leaves SUCCEEDED to the technique activity, and completes with the counts', async () => {
    const { activities, mirrored, notified, jobId } = stubs(async () => OUTCOME);
    await withWorker(activities, async (worker) => {
      const result = await runJob(worker, jobId);
      assert.deepEqual(result, { status: 'SUCCEEDED', outcome: OUTCOME });
      assert.deepEqual(mirrored, ['QUEUED']);
      assert.deepEqual(notified, [], 'the technique activity tells the webhooks of its success itself');
      const description = await worker.client.workflow.getHandle(jobId).describe();
      assert.deepEqual(description.searchAttributes[SEARCH_ATTRIBUTES.jobStatus], ['SUCCEEDED']);
    });
  });

  it('retries a transient failure and succeeds on a later attempt', async () => {
    const { activities, mirrored, jobId } = stubs(async (attempt) => {
      if (attempt < 3) throw ApplicationFailure.retryable('timeout', 'TechniqueTransientError');
      return OUTCOME;
    });
    await withWorker(activities, async (worker) => {
      const result = await runJob(worker, jobId);
      assert.deepEqual(result, { status: 'SUCCEEDED', outcome: OUTCOME });
      assert.deepEqual(mirrored, ['QUEUED']);
    });
  });

  it('ends FAILED, and the workflow failed, on a non-retryable failure', async () => {
    let attempts = 0;
    const { activities, mirrored, notified, jobId } = stubs(async () => {
      attempts += 1;
      throw ApplicationFailure.nonRetryable('guard refused 10.0.0.1', 'TechniquePermanentError');
    });
    await withWorker(activities, async (worker) => {
      await assert.rejects(runJob(worker, jobId), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        assert.equal((error.cause as ApplicationFailure).type, 'JobFailed');
        return true;
      });
      assert.equal(attempts, 1);
      assert.deepEqual(mirrored, ['QUEUED', 'FAILED']);
      assert.deepEqual(notified, ['FAILED']);
    });
  });

  it('ends DEAD_LETTER through FAILED when retries are exhausted', async () => {
    let attempts = 0;
    const { activities, mirrored, notified, jobId } = stubs(async () => {
      attempts += 1;
      throw ApplicationFailure.retryable('SERVFAIL', 'TechniqueTransientError');
    });
    await withWorker(activities, async (worker) => {
      await assert.rejects(runJob(worker, jobId), (error: unknown) => {
        assert.equal(((error as WorkflowFailedError).cause as ApplicationFailure).type, 'JobDeadLettered');
        return true;
      });
      assert.equal(attempts, POLICY.maxAttempts);
      assert.deepEqual(mirrored, ['QUEUED', 'FAILED', 'DEAD_LETTER']);
      assert.deepEqual(notified, ['DEAD_LETTER']);
    });
  });

  it('cancels a running technique through its heartbeats and ends cancelled', async () => {
    let sawCancel = false;
    const { activities, mirrored, notified, jobId } = stubs(async () => {
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
    await withWorker(activities, async (worker) => {
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
      assert.deepEqual(notified, ['CANCELLED']);
    });
  });

  it('follows a job cancelled before the technique ran: CANCELLED to the webhooks and in Temporal, never FAILED', async () => {
    // A schedule's firing started the workflow of a CREATED job, and the job was cancelled in
    // Postgres before a worker ran it: the technique activity refuses to run.
    const jobStatus: { current: JobStatus } = { current: 'CANCELLED' };
    const { activities, mirrored, notified, jobId } = stubs(async () => {
      throw ApplicationFailure.nonRetryable('job is CANCELLED, not runnable', 'JobNotRunnable');
    }, jobStatus);
    await withWorker(activities, async (worker) => {
      const handle = await worker.client.workflow.start('jobWorkflow', { workflowId: jobId, taskQueue: worker.taskQueue, args: [{ jobId }] });
      const error = await worker.runUntil(
        (async () => {
          while (!notified.length) await new Promise((resolve) => setTimeout(resolve, 20));
          // The API's cancellation request, which follows the job's cancellation.
          await handle.cancel();
          return handle.result().catch((caught: unknown) => caught);
        })(),
      );
      assert.ok(error instanceof WorkflowFailedError);
      const description = await handle.describe();
      assert.equal(description.status.name, 'CANCELLED');
      assert.deepEqual(description.searchAttributes[SEARCH_ATTRIBUTES.jobStatus], ['CANCELLED']);
      assert.deepEqual(mirrored, ['QUEUED', 'FAILED']);
      assert.deepEqual(notified, ['CANCELLED']);
      assert.equal(jobStatus.current, 'CANCELLED');
    });
  });

  it('follows the job when its results were recorded just before a cancellation reached the technique', async () => {
    const jobStatus: { current: JobStatus } = { current: 'CREATED' };
    let release: () => void = () => undefined;
    const { activities, mirrored, notified, jobId } = stubs(async () => {
      // The technique commits SUCCEEDED, then its completion is held back until the cancellation lands.
      jobStatus.current = 'SUCCEEDED';
      await new Promise<void>((resolve) => (release = resolve));
      return OUTCOME;
    }, jobStatus);
    const worker = await createTestWorker(activities);
    try {
      const handle = await worker.client.workflow.start('jobWorkflow', { workflowId: jobId, taskQueue: worker.taskQueue, args: [{ jobId }] });
      const result = await worker.runUntil(
        (async () => {
          while (jobStatus.current !== 'SUCCEEDED') await new Promise((resolve) => setTimeout(resolve, 20));
          await handle.signal(cancelSignal, { by: 'tester' });
          await handle.cancel();
          const settled = await handle.result();
          release();
          return settled;
        })(),
      );
      assert.deepEqual(result, { status: 'SUCCEEDED', outcome: null });
      assert.deepEqual(mirrored, ['QUEUED', 'CANCELLED']);
      assert.deepEqual(notified, ['SUCCEEDED']);
      const description = await handle.describe();
      assert.equal(description.status.name, 'COMPLETED');
      assert.deepEqual(description.searchAttributes[SEARCH_ATTRIBUTES.jobStatus], ['SUCCEEDED']);
    } finally {
      release();
      await worker.close();
    }
  });
});
