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
}

/** What the technique activity stored: counts and references, never the raw evidence. */
export interface TechniqueOutcome {
  readonly evidence: number;
  readonly evidenceKeys: readonly string[];
  readonly findingsNew: number;
  readonly findingsSeenAgain: number;
  readonly summary: Record<string, unknown>;
}

/** Input of the technique activity. */
export interface RunTechniqueInput {
  readonly plan: JobPlan;
}

/** Error type names the retry policy treats as permanent. */
export const NON_RETRYABLE_ERROR_TYPES = ['TechniquePermanentError', 'JobNotRunnable'] as const;
