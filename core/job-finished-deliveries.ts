/**
 * The webhook deliveries a finished job calls for: one per subscribed webhook and event, each
 * with its payload and the dedupe key that makes recording them idempotent. Shared by the
 * worker, which tells the webhooks of every job its workflow ends, and the API, which ends a
 * CREATED job without a workflow when it is cancelled.
 */
import { randomUUID } from 'node:crypto';
import type { DeliveryEvent, WebhookEvent } from './domain/webhooks';

/** What the payload shows of the job. */
export interface FinishedJob {
  readonly id: string;
  readonly target_id: string;
  readonly technique: string;
  readonly attempts: number;
  readonly finished_at: Date | null;
  readonly last_error: string | null;
}

/** A delivery ready to record. */
export interface JobFinishedDelivery {
  readonly id: string;
  readonly webhook_id: string;
  readonly event: DeliveryEvent;
  readonly job_id: string;
  readonly dedupe_key: string;
  readonly payload: Record<string, unknown>;
}

/** The events a job that ended in `status` may call for, before anyone's subscriptions. */
export function finishedJobEvents(status: string): WebhookEvent[] {
  return ['job.finished', ...(status === 'DEAD_LETTER' ? (['job.dead_lettered'] as const) : []), ...(status === 'SUCCEEDED' ? (['findings.changed'] as const) : [])];
}

export function jobFinishedDeliveries(notice: {
  workspaceId: string;
  job: FinishedJob;
  status: string;
  runNumber: number;
  /** The workspace's webhooks that want any of `events`. */
  webhooks: readonly { id: string; events: readonly string[] }[];
  /** The events to send, among those the webhooks want. */
  events: readonly WebhookEvent[];
  /** findings.changed's details. */
  changes?: unknown;
}): JobFinishedDelivery[] {
  const { job, status, runNumber } = notice;
  const jobView = {
    id: job.id,
    target_id: job.target_id,
    technique: job.technique,
    status,
    run_number: runNumber,
    attempts: job.attempts,
    finished_at: job.finished_at?.toISOString() ?? null,
    last_error: status === 'SUCCEEDED' ? null : job.last_error,
  };
  const createdAt = new Date().toISOString();
  return notice.webhooks.flatMap((webhook) =>
    notice.events
      .filter((event) => webhook.events.includes(event))
      .map((event) => {
        const id = randomUUID();
        const data = event === 'findings.changed' ? { job: jobView, diff: notice.changes } : { job: jobView };
        return {
          id,
          webhook_id: webhook.id,
          event,
          job_id: job.id,
          dedupe_key: `${event}:${job.id}:${runNumber}`,
          payload: { id, event, created_at: createdAt, workspace_id: notice.workspaceId, data },
        };
      }),
  );
}
