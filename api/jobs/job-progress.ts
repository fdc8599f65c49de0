/**
 * What a running job is doing: the progress its technique attempt last heartbeated (stage,
 * ports done of total…), read from Temporal, which keeps it; the job id is the workflow id.
 * Postgres never stores it, so progress costs the pipeline nothing and is read only when
 * someone asks for one job.
 */
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { TECHNIQUE_ACTIVITY_TYPE } from '../../core/domain/temporal';

/** The running attempt and what it last reported. */
export interface JobProgress {
  readonly attempt: number;
  /** When the attempt last reported (null before its first report). */
  readonly reported_at: string | null;
  readonly details: Record<string, unknown> | null;
}

/** The progress of the job's running attempt; null when no attempt runs. Throws when Temporal does not answer within `timeoutMs`. */
export async function readJobProgress(temporal: Client, jobId: string, timeoutMs: number): Promise<JobProgress | null> {
  const { raw } = await temporal.connection.withDeadline(Date.now() + timeoutMs, () => temporal.workflow.getHandle(jobId).describe());
  const activity = raw.pendingActivities?.find((pending) => pending.activityType?.name === TECHNIQUE_ACTIVITY_TYPE);
  if (!activity) return null;
  const payload = activity.heartbeatDetails?.payloads?.[0];
  return {
    attempt: activity.attempt ?? 1,
    reported_at: optionalTsToDate(activity.lastHeartbeatTime)?.toISOString() ?? null,
    details: payload ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload) : null,
  };
}
