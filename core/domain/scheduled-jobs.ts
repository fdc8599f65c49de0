/**
 * Recurring scans: the timing a schedule is created with, and the inputs and outputs of the
 * firing workflow that turns each firing of a Temporal Schedule into a normal job. Pure: safe to
 * import in workflows.
 */
import type { ActivityPolicy } from './job-execution';
import type { TechniqueCode } from './techniques';

/** What Temporal does when a firing comes while the previous one's job still runs (Temporal's names). */
export const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** When a schedule fires: a cron expression or an interval (exactly one), and its policies. */
export interface ScheduleTiming {
  readonly cron: string | null;
  readonly interval_seconds: number | null;
  /** IANA time zone the cron expression is read in. */
  readonly timezone: string;
  /** Each firing is delayed by a random amount up to this. */
  readonly jitter_seconds: number;
  readonly overlap_policy: OverlapPolicy;
  /** How late a missed firing (e.g. Temporal was down) may still be taken. */
  readonly catchup_window_seconds: number;
}

/** The workflow type every schedule's action starts. */
export const SCHEDULED_JOB_WORKFLOW_TYPE = 'scheduledJobWorkflow';

/**
 * The Temporal Schedule id of a schedule; the firing workflows it starts are named after it,
 * with the nominal fire time appended by Temporal.
 */
export function temporalScheduleId(scheduleId: string): string {
  return `schedule-${scheduleId}`;
}

/** The firing workflow's input, fixed when the schedule is created: only the schedule id. */
export interface ScheduledJobInput {
  readonly scheduleId: string;
  /**
   * The nominal fire time, for a firing started by hand (tests). A firing started by the
   * schedule takes it from the TemporalScheduledStartTime search attribute instead.
   */
  readonly nominalTime?: string;
}

/** What the firing activity is asked: the schedule and the nominal time of this firing. */
export interface ScheduledJobRequest {
  readonly scheduleId: string;
  readonly nominalTime: string;
}

/** The job a firing created (or found, when the firing ran before), ready to be started. */
export interface ScheduledJobPlan {
  readonly jobId: string;
  readonly workspaceId: string;
  readonly targetId: string;
  readonly targetValue: string;
  readonly technique: TechniqueCode;
  readonly runNumber: number;
  /** The job's status: CREATED when its workflow is still to be started. */
  readonly status: string;
  /** The task queue of the technique's class. */
  readonly taskQueue: string;
  /** The retry policy the job runs under (written into its workflow's memo). */
  readonly policy: ActivityPolicy;
}

/** How a firing ended. */
export interface ScheduledJobResult {
  readonly scheduleId: string;
  readonly nominalTime: string;
  /** Null when the schedule was deleted before the firing could create its job. */
  readonly jobId: string | null;
  readonly outcome: 'succeeded' | 'already_started' | 'schedule_gone';
}
