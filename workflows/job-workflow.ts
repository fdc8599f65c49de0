/**
 * The durable life of one job. The workflow id is the job id; the input is only that id.
 * The technique runs as an activity under a Temporal retry policy; every state is mirrored
 * into Postgres, and the workflow's own outcome tells the same story in the Temporal Web UI:
 * SUCCEEDED completes, FAILED and DEAD_LETTER fail, CANCELLED is cancelled.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  NON_RETRYABLE_ERROR_TYPES,
  type JobPlan,
  type JobWorkflowInput,
  type TechniqueOutcome,
} from '../core/domain/job-execution';
import type { JobStatus } from '../core/domain/job-states';
import { SEARCH_ATTRIBUTES } from '../core/domain/temporal';
import { cancelSignal, requeueSignal, type CancelRequest, type RequeueRequest } from './signals';

// Loading the job only reads, so it runs as a local activity (no task queue round trip).
const { loadJobPlan } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2 },
});

// Mirror writes are regular activities on purpose: a local activity runs before its workflow
// task commits, so a task that is then discarded (new events arrived meanwhile) would leave a
// write behind that the replayed workflow may contradict.
const { mirrorJobState } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2 },
});

/** Runs the job's technique once (with retries) and mirrors each state. */
export async function jobWorkflow(input: JobWorkflowInput): Promise<TechniqueOutcome> {
  let cancelRequest: CancelRequest | undefined;
  const work = new CancellationScope();
  setHandler(cancelSignal, (request) => {
    cancelRequest ??= request;
    work.cancel();
  });
  // A requeue normally starts a new run (signal-with-start on a closed workflow). One that
  // reaches this run while it is still ending, after its FAILED was mirrored, opens the new run
  // from here with continue-as-new. The requeue that started this run is recognised by its run number.
  let requeue: RequeueRequest | undefined;
  setHandler(requeueSignal, (request) => {
    requeue = request;
  });

  // Not cancellable: a cancellation that arrives before the first task must still be mirrored,
  // and mirroring needs the plan.
  const plan = await CancellationScope.nonCancellable(() => loadJobPlan(input));
  const setStatus = (status: JobStatus) =>
    upsertSearchAttributes({
      [SEARCH_ATTRIBUTES.workspaceId]: [plan.workspaceId],
      [SEARCH_ATTRIBUTES.targetId]: [plan.targetId],
      [SEARCH_ATTRIBUTES.technique]: [plan.technique],
      [SEARCH_ATTRIBUTES.jobStatus]: [status],
    });
  const mirror = (to: JobStatus, error?: string) =>
    CancellationScope.nonCancellable(() =>
      mirrorJobState({ workspaceId: plan.workspaceId, jobId: plan.jobId, runNumber: plan.runNumber, to, error }),
    );

  try {
    // Normally already QUEUED by the API; this closes the window where the workflow started
    // but the API's commit had not landed when the plan was read.
    if (plan.status !== 'QUEUED') await mirror('QUEUED');
    setStatus('RUNNING');
    const outcome = await work.run(() => runTechnique(plan));
    await mirror('SUCCEEDED');
    setStatus('SUCCEEDED');
    return outcome;
  } catch (error) {
    if (isCancellation(error) || cancelRequest) {
      const by = cancelRequest ? `cancelled by ${cancelRequest.by}${cancelRequest.reason ? `: ${cancelRequest.reason}` : ''}` : 'cancelled';
      await mirror('CANCELLED', by);
      setStatus('CANCELLED');
      // The API's cancellation request follows its signal; ending after it makes the workflow
      // end cancelled, as the job did, even if the technique failed meanwhile.
      await untilCancellationRequested();
      throw isCancellation(error) ? error : new CancelledFailure(by);
    }
    if (error instanceof ActivityFailure) {
      const message = error.cause?.message ?? error.message;
      if (error.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED || error.retryState === RetryState.TIMEOUT) {
        await mirror('FAILED', message);
        await mirror('DEAD_LETTER', `retries exhausted after ${plan.policy.maxAttempts} attempts: ${message}`);
        setStatus('DEAD_LETTER');
        if (requeue && requeue.runNumber > plan.runNumber) await continueAsNew<typeof jobWorkflow>(input);
        throw ApplicationFailure.nonRetryable(`dead-lettered after ${plan.policy.maxAttempts} attempts: ${message}`, 'JobDeadLettered');
      }
      await mirror('FAILED', message);
      setStatus('FAILED');
      if (requeue && requeue.runNumber > plan.runNumber) await continueAsNew<typeof jobWorkflow>(input);
      throw ApplicationFailure.nonRetryable(message, 'JobFailed');
    }
    throw error;
  }
}

async function untilCancellationRequested(): Promise<void> {
  const root = CancellationScope.current();
  if (root.consideredCancelled) return;
  try {
    await condition(() => root.consideredCancelled, '1 minute');
  } catch (error) {
    if (!isCancellation(error)) throw error;
  }
}

function runTechnique(plan: JobPlan): Promise<TechniqueOutcome> {
  const { policy } = plan;
  const { runTechnique: run } = proxyActivities<Activities>({
    startToCloseTimeout: policy.activityTimeoutMs,
    heartbeatTimeout: policy.heartbeatTimeoutMs,
    retry: {
      maximumAttempts: policy.maxAttempts,
      initialInterval: policy.initialIntervalMs,
      backoffCoefficient: policy.backoffCoefficient,
      maximumInterval: policy.maximumIntervalMs,
      nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
    },
  });
  return run({ plan });
}
