/** Inputs and outputs of the job workflow and its activities: ids, references and counts only. */
import type { JobStatus } from './job-states';
import type { TargetType } from './targets';
import type { TechniqueCode } from './techniques';

/** The job workflow's input: only the job id; the worker rehydrates the rest from Postgres. */
export interface JobWorkflowInput {
  readonly jobId: string;
}

/** How the technique's activity is retried and timed out (from the worker's config). */
export interface ActivityPolicy {
  readonly maxAttempts: number;
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maximumIntervalMs: number;
  readonly activityTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
}

/**
 * What the workflow knows of its job: ids, technique, run and retry policy, never the target or
 * params. Whoever starts the workflow writes it into the memo (see `jobMemo`); without one, a
 * local activity rehydrates it from Postgres.
 */
export interface JobRef {
  readonly jobId: string;
  readonly workspaceId: string;
  readonly targetId: string;
  readonly technique: TechniqueCode;
  readonly runNumber: number;
  readonly policy: ActivityPolicy;
  /** Known only when rehydrated; the technique activity queues a job still CREATED either way. */
  readonly status?: JobStatus;
}

/** The memo of a job's workflow: shown in the Web UI, and the workflow's JobRef. (A type, so it is a Record.) */
export type JobMemo = {
  readonly target: string;
  readonly technique: TechniqueCode;
  readonly workspace_id: string;
  readonly target_id: string;
  readonly run_number: number;
  /** The retry policy the job runs under, from the config of the process that enqueued it. */
  readonly retry_policy: ActivityPolicy;
};

/** The memo for a job's workflow. */
export function jobMemo(job: { workspace_id: string; target_id: string; technique: TechniqueCode; run_number: number }, target: string, policy: ActivityPolicy): JobMemo {
  return { target, technique: job.technique, workspace_id: job.workspace_id, target_id: job.target_id, run_number: job.run_number, retry_policy: policy };
}

/** The JobRef a workflow's memo carries, or undefined when it carries none. */
export function jobRefFromMemo(jobId: string, memo: Record<string, unknown> | undefined): JobRef | undefined {
  const value = memo as Partial<JobMemo> | undefined;
  if (!value?.retry_policy || !value.workspace_id || !value.target_id || !value.technique || typeof value.run_number !== 'number') return undefined;
  return { jobId, workspaceId: value.workspace_id, targetId: value.target_id, technique: value.technique, runNumber: value.run_number, policy: value.retry_policy };
}

/** The job as the technique activity needs it: the ref, rehydrated with its target and params. */
export interface JobPlan {
  readonly jobId: string;
  readonly workspaceId: string;
  readonly targetId: string;
  readonly target: { readonly type: TargetType; readonly value: string };
  readonly technique: TechniqueCode;
  readonly params: Record<string, unknown>;
  readonly status: JobStatus;
  readonly runNumber: number;
  readonly policy: ActivityPolicy;
}

/** A status change the workflow mirrors into Postgres. */
export interface MirrorRequest {
  readonly workspaceId: string;
  readonly jobId: string;
  readonly runNumber: number;
  readonly to: JobStatus;
  readonly error?: string;
  /** False for a FAILED that DEAD_LETTER follows: the job has not ended yet. */
  readonly ends?: boolean;
}

/** The job's status after a mirror write, and whether the write was applied. */
export interface MirrorResult {
  readonly applied: boolean;
  readonly status: JobStatus;
  readonly runNumber: number;
}

/**
 * What the technique activity stored: counts and references, never the raw evidence. The
 * activity records SUCCEEDED in the same transaction as the findings.
 */
export interface TechniqueOutcome {
  readonly evidence: number;
  readonly evidenceKeys: readonly string[];
  readonly findingsNew: number;
  readonly findingsSeenAgain: number;
  readonly summary: Record<string, unknown>;
}

/**
 * What the technique activity returns: its outcome, or null when this run's results were
 * already recorded (an earlier attempt committed them, but its completion never reached Temporal).
 */
export type TechniqueResult = TechniqueOutcome | null;

/**
 * The job workflow's result when the job succeeded. `outcome` is null when the results were
 * recorded before the workflow could learn them (see TechniqueResult), or before a cancellation
 * reached the technique: the workflow then follows the job, which SUCCEEDED.
 */
export interface JobWorkflowResult {
  readonly status: 'SUCCEEDED';
  readonly outcome: TechniqueOutcome | null;
}

/** Input of the technique activity: the job's ref; the activity rehydrates the rest. */
export interface RunTechniqueInput {
  readonly job: JobRef;
}

/** Error type names the retry policy treats as permanent. */
export const NON_RETRYABLE_ERROR_TYPES = ['TechniquePermanentError', 'JobNotRunnable'] as const;
