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

/** The job as the workflow needs it, loaded by an activity. */
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

/** Input of the technique activity. */
export interface RunTechniqueInput {
  readonly plan: JobPlan;
}

/** Error type names the retry policy treats as permanent. */
export const NON_RETRYABLE_ERROR_TYPES = ['TechniquePermanentError', 'JobNotRunnable'] as const;
