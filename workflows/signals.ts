/** Signals a job's workflow receives (from the API, and from its technique activity); shared by both sides. */
import { defineSignal } from '@temporalio/workflow';

/** Who asked to cancel, and why (recorded in the job's history). */
export interface CancelRequest {
  readonly by: string;
  readonly reason?: string;
}

/** Who requeued the job, and the run number the requeue opened. */
export interface RequeueRequest {
  readonly by: string;
  readonly runNumber: number;
}

/** Stop the job: the running technique is cancelled through its heartbeats. */
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');

/** Run the job again (sent with signal-with-start, which opens a new run of the workflow). */
export const requeueSignal = defineSignal<[RequeueRequest]>('requeue');

/** A technique attempt moved the job to RUNNING (a retry began) or RETRYING (it failed with attempts left). */
export interface AttemptStatus {
  readonly status: 'RUNNING' | 'RETRYING';
  readonly attempt: number;
}

/**
 * Sent by the technique activity to its own workflow, so the job status search attribute shows
 * RETRYING and the following RUNNING in the Web UI, as Postgres does.
 */
export const attemptStatusSignal = defineSignal<[AttemptStatus]>('attemptStatus');

/** The workflow type name the API starts. */
export const JOB_WORKFLOW_TYPE = 'jobWorkflow';
