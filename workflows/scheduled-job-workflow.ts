/**
 * One firing of a schedule. The Temporal Schedule starts this workflow (id: the schedule's id
 * plus the nominal fire time); it creates the firing's job through an activity, idempotently by
 * the nominal time, then runs the job's own workflow as its child with workflow id = job id, so
 * the job runs exactly as an enqueued one (its workflow mirrors QUEUED, RUNNING, …) and the Web UI
 * links the firing to it. The firing stays open while the job runs, which lets the schedule's
 * overlap policy see a running job.
 */
import {
  ApplicationFailure,
  CancelledFailure,
  CancellationScope,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { jobMemo, type JobWorkflowInput } from '../core/domain/job-execution';
import type { ScheduledJobInput, ScheduledJobResult } from '../core/domain/scheduled-jobs';
import { SEARCH_ATTRIBUTES } from '../core/domain/temporal';
import { JOB_WORKFLOW_TYPE } from './signals';

const { createScheduledJob, cancelUnstartedJob, notifyJobFinished } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2 },
});

/** Set by Temporal on every workflow a schedule starts: the firing's nominal time. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Creates the firing's job and runs it to its end; fails when the job does not succeed. */
export async function scheduledJobWorkflow(input: ScheduledJobInput): Promise<ScheduledJobResult> {
  const nominalTime = nominalFireTime(input);
  const firing = { scheduleId: input.scheduleId, nominalTime };
  // Not cancellable: the activity commits its job even if the firing is cancelled meanwhile, and
  // the firing must then know the job to cancel it.
  const plan = await CancellationScope.nonCancellable(() => createScheduledJob(firing));
  if (!plan) return { ...firing, jobId: null, outcome: 'schedule_gone' };
  // An earlier firing with the same nominal time (e.g. a backfill over it) created and ran this job.
  if (plan.status !== 'CREATED' && plan.status !== 'QUEUED') return { ...firing, jobId: plan.jobId, outcome: 'already_started' };
  let child;
  try {
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('the firing was cancelled');
    child = await startChild(JOB_WORKFLOW_TYPE, {
      workflowId: plan.jobId,
      taskQueue: plan.taskQueue,
      args: [{ jobId: plan.jobId } satisfies JobWorkflowInput],
      // A job id names one job's workflow: a repeated firing must not run a finished job again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Whatever ends the firing (CANCEL_OTHER, TERMINATE_OTHER) cancels the job, which then
      // mirrors CANCELLED instead of being cut off mid-state.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      searchAttributes: {
        [SEARCH_ATTRIBUTES.workspaceId]: [plan.workspaceId],
        [SEARCH_ATTRIBUTES.targetId]: [plan.targetId],
        [SEARCH_ATTRIBUTES.technique]: [plan.technique],
        [SEARCH_ATTRIBUTES.jobStatus]: ['QUEUED'],
      },
      memo: {
        ...jobMemo({ workspace_id: plan.workspaceId, target_id: plan.targetId, technique: plan.technique, run_number: plan.runNumber }, plan.targetValue, plan.policy),
        schedule_id: input.scheduleId,
      },
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { ...firing, jobId: plan.jobId, outcome: 'already_started' };
    // Cancelled (overlap policy CANCEL_OTHER) before the job started: the job will never run. It
    // ends here, without a workflow of its own, so this tells its webhooks.
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        const reason = 'the firing was cancelled before its job started';
        if (await cancelUnstartedJob({ workspaceId: plan.workspaceId, jobId: plan.jobId, reason })) {
          await notifyJobFinished({ workspaceId: plan.workspaceId, jobId: plan.jobId, status: 'CANCELLED' });
        }
      });
    }
    throw error;
  }
  try {
    await child.result();
    return { ...firing, jobId: plan.jobId, outcome: 'succeeded' };
  } catch (error) {
    // The firing itself was cancelled (overlap policy CANCEL_OTHER): it ends cancelled, as its job did.
    if (isCancellation(error) && CancellationScope.current().consideredCancelled) throw error;
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw ApplicationFailure.nonRetryable(`job ${plan.jobId} did not succeed: ${cause}`, 'ScheduledJobUnsuccessful', { jobId: plan.jobId });
  }
}

/** The nominal time Temporal fired at (never the actual, jittered or delayed, start time). */
function nominalFireTime(input: ScheduledJobInput): string {
  const scheduled = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
  if (scheduled) return scheduled.toISOString();
  if (input.nominalTime) return new Date(input.nominalTime).toISOString();
  throw ApplicationFailure.nonRetryable('not started by a schedule: no TemporalScheduledStartTime and no nominalTime', 'NotAScheduledFiring');
}
