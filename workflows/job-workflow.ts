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
  makeContinueAsNewFunc,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  NON_RETRYABLE_ERROR_TYPES,
  jobRefFromMemo,
  type JobRef,
  type JobWorkflowInput,
  type JobWorkflowResult,
  type MirrorResult,
  type TechniqueResult,
} from '../core/domain/job-execution';
import type { JobStatus } from '../core/domain/job-states';
import { SEARCH_ATTRIBUTES } from '../core/domain/temporal';
import { attemptStatusSignal, cancelSignal, requeueSignal, type CancelRequest, type RequeueRequest } from './signals';

// Rehydrating the job only reads, so it runs as a local activity; it is needed only when the
// workflow was started without the job's memo (a local activity costs a workflow activation).
const { loadJobPlan } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2 },
});

// The states the workflow decides (QUEUED when the API's write was missed, FAILED, DEAD_LETTER,
// CANCELLED) are mirrored by regular activities: a local activity runs before its workflow task
// commits, so a task that is then discarded would leave a write the replay may contradict.
// RUNNING, RETRYING and SUCCEEDED are written by the technique activity itself, SUCCEEDED in the
// transaction that records the findings: the happy path costs one activity and two workflow tasks.
const { mirrorJobState } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2 },
});

// Webhooks are best effort: a notification never changes how the job ended. A local activity,
// so a finished job costs no extra task round trip; it only records deliveries (idempotently)
// and starts their own workflows, which do the sending and retrying.
const { notifyJobFinished } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** Runs the job's technique once (with retries) and mirrors each state. */
export async function jobWorkflow(input: JobWorkflowInput): Promise<JobWorkflowResult> {
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

  // The memo written by whoever started the workflow names the job's workspace, run and retry
  // policy. Without one, the job is rehydrated; not cancellable, because a cancellation that
  // arrives before the first task must still be mirrored, and mirroring needs the ref.
  const plan: JobRef = jobRefFromMemo(input.jobId, workflowInfo().memo) ?? (await CancellationScope.nonCancellable(() => loadJobPlan(input)));
  // Whoever started the workflow normally labelled it already; only the status changes then.
  let labelled = Boolean(workflowInfo().searchAttributes?.[SEARCH_ATTRIBUTES.workspaceId]?.length);
  const setStatus = (status: JobStatus) => {
    upsertSearchAttributes({
      ...(!labelled && {
        [SEARCH_ATTRIBUTES.workspaceId]: [plan.workspaceId],
        [SEARCH_ATTRIBUTES.targetId]: [plan.targetId],
        [SEARCH_ATTRIBUTES.technique]: [plan.technique],
      }),
      [SEARCH_ATTRIBUTES.jobStatus]: [status],
    });
    labelled = true;
  };
  // The activity reports RETRYING and the RUNNING of the next attempt; the latest attempt wins,
  // and nothing moves the attribute once the workflow has decided the job's end.
  let latestAttempt = { attempt: 0, status: 'RUNNING' as JobStatus };
  let decided = false;
  setHandler(attemptStatusSignal, ({ status, attempt }) => {
    const newer = attempt > latestAttempt.attempt || (attempt === latestAttempt.attempt && status === 'RETRYING');
    if (decided || !newer) return;
    latestAttempt = { attempt, status };
    setStatus(status);
  });
  const mirror = (to: JobStatus, error?: string, ends = true): Promise<MirrorResult> =>
    CancellationScope.nonCancellable(() =>
      mirrorJobState({ workspaceId: plan.workspaceId, jobId: plan.jobId, runNumber: plan.runNumber, to, error, ...(ends ? {} : { ends }) }),
    );
  // The technique committed its results (and SUCCEEDED) before the workflow learnt it, e.g. just
  // before a cancellation reached it: the workflow follows the job.
  const succeededMeanwhile = (state: MirrorResult): boolean => !state.applied && state.status === 'SUCCEEDED';
  // The job was cancelled while the workflow was not yet running it (a CREATED job cancelled
  // after a schedule's firing started its workflow): the technique refused to run, and the
  // workflow follows the job instead of reporting that refusal as a failure.
  const cancelledMeanwhile = (state: MirrorResult): boolean => !state.applied && state.status === 'CANCELLED';
  const notify = async (status: JobStatus): Promise<void> => {
    try {
      await CancellationScope.nonCancellable(() =>
        notifyJobFinished({ workspaceId: plan.workspaceId, jobId: plan.jobId, status, runNumber: plan.runNumber }),
      );
    } catch {
      // Deliveries already recorded still go out; the job's outcome stands.
    }
  };
  // The technique activity tells the webhooks when it records SUCCEEDED; the workflow tells them
  // only when it learnt of the success some other way (idempotent either way).
  const succeeded = async (outcome: TechniqueResult, tell: boolean): Promise<JobWorkflowResult> => {
    decided = true;
    setStatus('SUCCEEDED');
    if (tell) await notify('SUCCEEDED');
    return { status: 'SUCCEEDED', outcome };
  };

  const endCancelled = async (error: unknown, by: string): Promise<never> => {
    setStatus('CANCELLED');
    await notify('CANCELLED');
    // The API's cancellation request follows its signal; ending after it makes the workflow
    // end cancelled, as the job did, even if the technique failed meanwhile.
    await untilCancellationRequested();
    throw isCancellation(error) ? error : new CancelledFailure(by);
  };

  try {
    // Normally already QUEUED by the API; this closes the window where the workflow started
    // but the API's commit had not landed when the plan was read.
    if (plan.status && plan.status !== 'QUEUED') await mirror('QUEUED');
    // RUNNING reaches the attribute from the technique activity: at once for a retry, after its
    // first second for a first attempt, so a job that ends within a second costs no extra update.
    const outcome = await work.run(() => runTechnique(plan));
    return await succeeded(outcome, false);
  } catch (error) {
    decided = true;
    if (isCancellation(error) || cancelRequest) {
      const by = cancelRequest ? `cancelled by ${cancelRequest.by}${cancelRequest.reason ? `: ${cancelRequest.reason}` : ''}` : 'cancelled';
      const cancelled = await mirror('CANCELLED', by);
      if (succeededMeanwhile(cancelled)) return await succeeded(null, true);
      return await endCancelled(error, by);
    }
    if (error instanceof ActivityFailure) {
      const message = error.cause?.message ?? error.message;
      const exhausted = error.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED || error.retryState === RetryState.TIMEOUT;
      const failed = await mirror('FAILED', message, !exhausted);
      if (succeededMeanwhile(failed)) return await succeeded(null, true);
      if (cancelledMeanwhile(failed)) return await endCancelled(error, 'cancelled before it ran');
      if (exhausted) {
        await mirror('DEAD_LETTER', `retries exhausted after ${plan.policy.maxAttempts} attempts: ${message}`);
        setStatus('DEAD_LETTER');
        await notify('DEAD_LETTER');
        if (requeue && requeue.runNumber > plan.runNumber) await continueWithRun(input, requeue.runNumber);
        throw ApplicationFailure.nonRetryable(`dead-lettered after ${plan.policy.maxAttempts} attempts: ${message}`, 'JobDeadLettered');
      }
      setStatus('FAILED');
      await notify('FAILED');
      if (requeue && requeue.runNumber > plan.runNumber) await continueWithRun(input, requeue.runNumber);
      throw ApplicationFailure.nonRetryable(message, 'JobFailed');
    }
    throw error;
  }
}

/** Opens the requeued run from this one, its memo naming the new run number. */
async function continueWithRun(input: JobWorkflowInput, runNumber: number): Promise<never> {
  return makeContinueAsNewFunc<typeof jobWorkflow>({ memo: { ...workflowInfo().memo, run_number: runNumber } })(input);
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

function runTechnique(plan: JobRef): Promise<TechniqueResult> {
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
  const { jobId, workspaceId, targetId, technique, runNumber } = plan;
  return run({ job: { jobId, workspaceId, targetId, technique, runNumber, policy } });
}
