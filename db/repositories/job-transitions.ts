/**
 * The one function that writes a job's status. Every change goes through the transition table
 * (core/domain/job-states) and writes its job_events row in the same transaction.
 *
 * Two callers, two modes: the API is `strict` (a transition the table does not allow is a 409);
 * the worker's mirror writes are `mirror` (a retried or late write never moves a job backwards:
 * a write for an older run or attempt, a repeat, or one the table refuses is ignored).
 */
import type { Knex } from 'knex';
import type { ModelObject } from 'objection';
import type { TargetType } from '../../core/domain/targets';
import { canTransition, isFinished, JOB_STATUSES, type JobStatus } from '../../core/domain/job-states';
import { errors } from '../../core/errors';
import type { Job } from '../models/Job';

/** A requested change of status. */
export interface TransitionRequest {
  readonly to: JobStatus;
  readonly mode: 'strict' | 'mirror';
  /** The run the write belongs to; mirror writes of an older run are ignored. Defaults to the job's. */
  readonly runNumber?: number;
  /** The activity attempt (RUNNING, RETRYING); older attempts are ignored. */
  readonly attempt?: number;
  readonly error?: string | null;
  readonly nextRetryAt?: Date | null;
}

/** What happened: applied, or ignored and why (mirror mode only). */
export type TransitionOutcome =
  | { readonly applied: true; readonly job: Job; readonly from: JobStatus }
  | { readonly applied: false; readonly job: Job; readonly reason: 'stale' | 'duplicate' | 'not_allowed' };

/**
 * Applies `request` to the job inside `trx` (the row is locked for the rest of it). A caller that
 * already locked the row in `trx` passes it as `locked`, which saves reading it again.
 */
export async function transitionJob(
  trx: Knex.Transaction,
  workspaceId: string,
  jobId: string,
  request: TransitionRequest,
  locked?: Job,
): Promise<TransitionOutcome> {
  // Plain knex on this hot path (every state of every job goes through here).
  const job = locked ?? ((await trx('jobs').where({ workspace_id: workspaceId, id: jobId }).forUpdate().first()) as Job | undefined);
  if (!job) throw errors.notFound('Job');
  const { to } = request;
  const requeue = job.status !== to && to === 'QUEUED' && (job.status === 'FAILED' || job.status === 'DEAD_LETTER');
  const runNumber = request.runNumber ?? job.run_number;
  const attempt = request.attempt ?? job.attempts;

  if (request.mode === 'mirror') {
    if (runNumber < job.run_number) return { applied: false, job, reason: 'stale' };
    if ((to === 'RUNNING' || to === 'RETRYING') && attempt < job.attempts) return { applied: false, job, reason: 'stale' };
    if (to === job.status && attempt === job.attempts) return { applied: false, job, reason: 'duplicate' };
    // A new attempt while the previous one still shows RUNNING: that attempt was lost with its
    // worker (or its heartbeat timed out). Its RETRYING is recorded first, so the history says so.
    if (to === 'RUNNING' && job.status === 'RUNNING' && attempt > job.attempts) {
      await write(trx, job, 'RETRYING', { attempt: job.attempts, runNumber, error: `attempt ${job.attempts} was lost (worker stopped or heartbeat timed out)` });
      job.status = 'RETRYING';
    }
  }
  if (!canTransition(job.status, to)) {
    if (request.mode === 'mirror') return { applied: false, job, reason: 'not_allowed' };
    throw errors.conflict(`A ${job.status} job cannot become ${to}`, { status: job.status, requested: to });
  }
  const from = job.status;
  const updated = await write(trx, job, to, {
    attempt: requeue ? 0 : attempt,
    runNumber: requeue ? job.run_number + 1 : runNumber,
    error: request.error ?? null,
    nextRetryAt: request.nextRetryAt ?? null,
  });
  return { applied: true, job: updated, from };
}

async function write(
  trx: Knex.Transaction,
  job: Job,
  to: JobStatus,
  change: { attempt: number; runNumber: number; error: string | null; nextRetryAt?: Date | null },
): Promise<Job> {
  const now = new Date();
  const newRun = change.runNumber !== job.run_number;
  const patch: Partial<Job> = {
    status: to,
    attempts: change.attempt,
    run_number: change.runNumber,
    next_retry_at: to === 'RETRYING' ? (change.nextRetryAt ?? null) : null,
    updated_at: now,
  };
  if (change.error !== null) patch.last_error = change.error;
  if (newRun) Object.assign(patch, { last_error: null, started_at: null, finished_at: null });
  if (to === 'QUEUED') patch.queued_at = now;
  if (to === 'RUNNING' && (newRun || !job.started_at)) patch.started_at = now;
  if (isFinished(to)) patch.finished_at = now;
  // The update and its history row in one statement: one round trip per transition.
  const update = trx('jobs').where({ id: job.id }).update(patch).toSQL();
  await trx.raw(
    `WITH updated AS (${update.sql} RETURNING id, workspace_id)
     INSERT INTO job_events (job_id, workspace_id, from_status, to_status, attempt, run_number, error, at)
     SELECT id, workspace_id, ?, ?, ?, ?, ?, ? FROM updated`,
    [...update.bindings, job.status, to, change.attempt, change.runNumber, change.error, now],
  );
  return Object.assign(job, patch);
}

/** Where an attempt may start from in one statement: the states the table lets move to RUNNING, but CREATED. */
const ATTEMPT_STARTS_FROM = JOB_STATUSES.filter((status) => status !== 'CREATED' && status !== 'RUNNING' && canTransition(status, 'RUNNING'));

/** A job whose attempt just started or finished, with its target. */
export interface AttemptTransition {
  readonly job: ModelObject<Job>;
  readonly from: JobStatus;
  readonly target: { readonly type: TargetType; readonly value: string };
}

/**
 * The usual steps of an attempt in one statement each (one round trip, no transaction needed):
 * `start` moves a QUEUED or RETRYING job of run `runNumber`, whose recorded attempts are older
 * than `attempt`, to RUNNING; `succeed` moves the job RUNNING that attempt to SUCCEEDED. Each
 * writes its history row and answers the job with its target. Undefined when the job is in any
 * other state: the caller then takes the general path (`transitionJob`), which says why.
 */
export function attemptTransition(
  db: Knex | Knex.Transaction,
  step: 'start' | 'succeed',
  ids: { workspaceId: string; jobId: string; runNumber: number; attempt: number },
): Promise<AttemptTransition | undefined> {
  const to: JobStatus = step === 'start' ? 'RUNNING' : 'SUCCEEDED';
  if (step === 'succeed' && !canTransition('RUNNING', to)) throw new Error('the transition table no longer lets RUNNING succeed');
  return step === 'start'
    ? attemptStatement(db, ids, to, ATTEMPT_STARTS_FROM, 'jobs.attempts < ?', 'started_at = COALESCE(jobs.started_at, ?)')
    : attemptStatement(db, ids, to, ['RUNNING'], 'jobs.attempts = ?', 'finished_at = ?');
}

async function attemptStatement(
  db: Knex | Knex.Transaction,
  ids: { workspaceId: string; jobId: string; runNumber: number; attempt: number },
  to: JobStatus,
  from: readonly JobStatus[],
  attemptCondition: string,
  timestamp: string,
): Promise<AttemptTransition | undefined> {
  const now = new Date();
  const { rows } = await db.raw<{ rows: (ModelObject<Job> & { from_status: JobStatus; target_type: TargetType; target_value: string })[] }>(
    `WITH current AS (
       SELECT id, status FROM jobs WHERE id = ? AND workspace_id = ? FOR UPDATE
     ), updated AS (
       UPDATE jobs SET status = ?, attempts = ?, next_retry_at = NULL, updated_at = ?, ${timestamp}
       FROM current
       WHERE jobs.id = current.id AND current.status = ANY(?) AND jobs.run_number = ? AND ${attemptCondition}
       RETURNING jobs.*, current.status AS from_status
     ), event AS (
       INSERT INTO job_events (job_id, workspace_id, from_status, to_status, attempt, run_number, error, at)
       SELECT id, workspace_id, from_status, status, attempts, run_number, NULL, ? FROM updated
     )
     SELECT updated.*, targets.type AS target_type, targets.value AS target_value
     FROM updated JOIN targets ON targets.id = updated.target_id`,
    [ids.jobId, ids.workspaceId, to, ids.attempt, now, now, [...from], ids.runNumber, ids.attempt, now],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { from_status: previous, target_type: type, target_value: value, ...job } = row;
  return { job, from: previous, target: { type, value } };
}

/**
 * The API's enqueue in one statement: CREATED → QUEUED with its history row and the actor's audit
 * row. Undefined when the job is not CREATED (any more): another request queued or cancelled it.
 */
export async function queueCreatedJob(
  db: Knex,
  workspaceId: string,
  jobId: string,
  audit: { readonly action: string; readonly actorId: string; readonly ip: string | null },
): Promise<ModelObject<Job> | undefined> {
  if (!canTransition('CREATED', 'QUEUED')) throw new Error('the transition table no longer lets a CREATED job be queued');
  const now = new Date();
  const { rows } = await db.raw<{ rows: ModelObject<Job>[] }>(
    `WITH updated AS (
       UPDATE jobs SET status = 'QUEUED', attempts = 0, next_retry_at = NULL, queued_at = ?, updated_at = ?
       WHERE id = ? AND workspace_id = ? AND status = 'CREATED'
       RETURNING *
     ), event AS (
       INSERT INTO job_events (job_id, workspace_id, from_status, to_status, attempt, run_number, error, at)
       SELECT id, workspace_id, 'CREATED', 'QUEUED', 0, run_number, NULL, ? FROM updated
     ), audit AS (
       INSERT INTO audit_logs (workspace_id, action, entity_type, entity_id, actor_id, ip, details, created_at)
       SELECT workspace_id, ?, 'job', id::text, ?, ?, '{}'::jsonb, ? FROM updated
     )
     SELECT * FROM updated`,
    [now, now, jobId, workspaceId, now, audit.action, audit.actorId, audit.ip, now],
  );
  return rows[0];
}
