/**
 * The firing side of recurring scans: the activity that turns a firing of a Temporal Schedule
 * into a normal job, created as through the API (CREATED, with its history and audit rows); the
 * firing workflow then starts the job's workflow, which mirrors QUEUED as it does for any job
 * whose QUEUED it did not find. A firing cancelled before starting its job cancels the job
 * (cancelUnstartedJob) and tells its webhooks; one that fails or is terminated first leaves it
 * CREATED, where it can still be enqueued or cancelled through the API.
 */
import type { Knex } from 'knex';
import type { Config } from '../core/config';
import type { ScheduledJobPlan, ScheduledJobRequest } from '../core/domain/scheduled-jobs';
import { taskQueueName } from '../core/domain/temporal';
import { TECHNIQUES } from '../core/domain/techniques';
import { idempotencyKey } from '../core/hashing';
import { noopJobMetrics, type JobMetrics } from '../core/job-metrics';
import type { Logger } from '../core/logger';
import type { Repositories } from '../db/repositories';
import { transitionJob } from '../db/repositories/job-transitions';

/** What the schedule activities need (a subset of what the worker gives every activity). */
export interface ScheduleActivityDeps {
  readonly config: Config;
  readonly knex: Knex;
  readonly repos: Repositories;
  readonly logger: Logger;
  /** Where firings are counted; nothing is recorded when absent. */
  readonly metrics?: JobMetrics;
}

/** Creates createScheduledJob and cancelUnstartedJob. */
export function createScheduleActivities(deps: ScheduleActivityDeps) {
  const { repos } = deps;
  const metrics = deps.metrics ?? noopJobMetrics;

  return {
    /**
     * Creates the firing's job in CREATED, or returns the job an earlier attempt of the same
     * firing created: its idempotency key holds the schedule id and the nominal fire time, so a
     * firing never creates two jobs. Null when the schedule (or its target) was deleted meanwhile.
     */
    async createScheduledJob(request: ScheduledJobRequest): Promise<ScheduledJobPlan | null> {
      let technique = 'unknown';
      try {
        const outcome = await deps.knex.transaction(async (trx) => {
          const schedule = await repos.schedules.findForFiring(request.scheduleId, trx);
          const target = schedule && (await repos.targets.find(schedule.workspace_id, schedule.target_id, trx));
          if (!schedule || !target) {
            deps.logger.info({ schedule_id: request.scheduleId, nominal_time: request.nominalTime }, 'schedule gone; the firing creates no job');
            return null;
          }
          const workspaceId = schedule.workspace_id;
          technique = schedule.technique;
          const key = idempotencyKey({
            workspaceId,
            targetId: schedule.target_id,
            technique: schedule.technique,
            params: schedule.params,
            schedule: { id: schedule.id, nominalTime: request.nominalTime },
          });
          const inserted = await repos.jobs.insertIfAbsent(
            workspaceId,
            { target_id: schedule.target_id, technique: schedule.technique, params: schedule.params, idempotency_key: key, created_by: null, schedule_id: schedule.id },
            trx,
          );
          const { job } = inserted;
          if (inserted.created) {
            await repos.auditLogs.record(
              workspaceId,
              {
                action: 'job.created',
                entity_type: 'job',
                entity_id: job.id,
                actor_id: null,
                details: { target_id: schedule.target_id, technique: schedule.technique, schedule_id: schedule.id, nominal_time: request.nominalTime },
              },
              trx,
            );
          }
          const plan: ScheduledJobPlan = {
            jobId: job.id,
            workspaceId,
            targetId: job.target_id,
            targetValue: target.value,
            technique: job.technique,
            runNumber: job.run_number,
            status: job.status,
            taskQueue: taskQueueName(deps.config.temporal.taskQueue, TECHNIQUES[job.technique].queueClass),
            policy: deps.config.jobs[job.technique],
          };
          return { plan, created: inserted.created };
        });
        if (outcome) metrics.scheduleFired(technique, outcome.created ? 'created' : 'duplicate');
        return outcome?.plan ?? null;
      } catch (error) {
        // Counted per failed attempt: the firing retries, and the alert on failures sees each.
        metrics.scheduleFired(technique, 'failed');
        throw error;
      }
    },

    /**
     * Cancels a firing's job that was never started (the firing was cancelled first); a job
     * that left CREATED meanwhile (enqueued through the API) is left alone. True when cancelled.
     */
    async cancelUnstartedJob(request: { workspaceId: string; jobId: string; reason: string }): Promise<boolean> {
      return deps.knex.transaction(async (trx) => {
        const job = await repos.jobs.find(request.workspaceId, request.jobId, trx, { forUpdate: true });
        if (job?.status !== 'CREATED') return false;
        await transitionJob(trx, request.workspaceId, request.jobId, { to: 'CANCELLED', mode: 'strict', error: request.reason });
        await repos.auditLogs.record(request.workspaceId, { action: 'job.cancelled', entity_type: 'job', entity_id: request.jobId, actor_id: null, details: { reason: request.reason } }, trx);
        return true;
      });
    },
  };
}
