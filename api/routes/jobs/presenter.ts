/** Shapes jobs and their history for responses, with a link to each job's workflow. */
import type { Static } from '@sinclair/typebox';
import type { Config } from '../../../core/config';
import type { Job } from '../../../db/models/Job';
import type { JobEvent } from '../../../db/models/JobEvent';
import type { JobEventView, JobView } from './schema';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The workflow's page in the Temporal Web UI (the job id is the workflow id). */
export function temporalWorkflowUrl(temporal: Config['temporal'], workflowId: string): string {
  return `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function presentJob(job: Job, temporal: Config['temporal']): Static<typeof JobView> {
  return {
    id: job.id,
    workspace_id: job.workspace_id,
    target_id: job.target_id,
    schedule_id: job.schedule_id,
    technique: job.technique,
    params: job.params,
    status: job.status,
    idempotency_key: job.idempotency_key,
    attempts: job.attempts,
    run_number: job.run_number,
    last_error: job.last_error,
    next_retry_at: iso(job.next_retry_at),
    created_at: job.created_at.toISOString(),
    updated_at: job.updated_at.toISOString(),
    queued_at: iso(job.queued_at),
    started_at: iso(job.started_at),
    finished_at: iso(job.finished_at),
    temporal_ui_url: temporalWorkflowUrl(temporal, job.id),
  };
}

export function presentJobEvent(event: JobEvent): Static<typeof JobEventView> {
  return {
    id: Number(event.id),
    job_id: event.job_id,
    from_status: event.from_status,
    to_status: event.to_status,
    attempt: event.attempt,
    run_number: event.run_number,
    error: event.error,
    at: event.at.toISOString(),
  };
}
