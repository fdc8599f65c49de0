/**
 * The API's side of running jobs on Temporal: enqueue starts the job's workflow (workflow id =
 * job id), cancel signals it, requeue signals-with-start a new run. Each status change is
 * written through the transition table in the same transaction as its audit row, and the
 * transaction commits only once Temporal has accepted the call.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Config } from '../../core/config';
import { jobMemo, type JobWorkflowInput } from '../../core/domain/job-execution';
import { SEARCH_ATTRIBUTES, taskQueueName } from '../../core/domain/temporal';
import { TECHNIQUES } from '../../core/domain/techniques';
import { errors } from '../../core/errors';
import { finishedJobEvents, jobFinishedDeliveries } from '../../core/job-finished-deliveries';
import type { Job } from '../../db/models/Job';
import type { Repositories } from '../../db/repositories';
import { queueCreatedJob, transitionJob } from '../../db/repositories/job-transitions';
import type { DeliveryRow } from '../../db/repositories/webhooks';
import { cancelSignal, JOB_WORKFLOW_TYPE, requeueSignal, type CancelRequest } from '../../workflows/signals';
import { startRecordedDelivery } from '../webhook-deliveries';

/** Who is acting, for audit rows and signals. */
export interface Actor {
  readonly userId: string;
  readonly ip: string;
}

/** Runs, cancels and requeues jobs. */
export class JobRunner {
  constructor(
    private readonly deps: { knex: Knex; repos: Repositories; temporal: Client; config: Config },
  ) {}

  /**
   * CREATED → QUEUED and the workflow started; any other status answers the job as it is.
   * Temporal first, so a refusal leaves the job unchanged; then one statement queues the job with
   * its history and audit rows. The job id is the workflow id, so concurrent enqueues start one
   * workflow, and only one of them queues the job.
   */
  async enqueue(workspaceId: string, jobId: string, actor: Actor): Promise<{ job: Job; started: boolean }> {
    const found = await this.deps.repos.jobs.findWithTarget(workspaceId, jobId);
    if (!found) throw errors.notFound('Job');
    if (found.job.status !== 'CREATED') return { job: found.job, started: false };
    try {
      await this.deps.temporal.workflow.start(JOB_WORKFLOW_TYPE, this.startOptions(found.job, found.targetValue));
    } catch (error) {
      // Another enqueue started it (or an earlier one whose write was lost: the activity queues the job itself).
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw unavailable(error);
    }
    const queued = await queueCreatedJob(this.deps.knex, workspaceId, jobId, { action: 'job.enqueued', actorId: actor.userId, ip: actor.ip });
    if (queued) return { job: queued as Job, started: true };
    const current = await this.deps.repos.jobs.find(workspaceId, jobId);
    if (!current) throw errors.notFound('Job');
    // Cancelled from CREATED meanwhile: the workflow just started must end cancelled too.
    if (current.status === 'CANCELLED') await this.cancelWorkflow(current.id, { by: actor.userId, reason: 'cancelled before it was queued' }).catch(() => undefined);
    return { job: current, started: false };
  }

  /**
   * CREATED → CANCELLED at once, with its job.finished deliveries. QUEUED, RUNNING or RETRYING: the cancel signal (who and why)
   * and a cancellation request go to the workflow, which cancels the running technique through
   * its heartbeats, mirrors CANCELLED and ends cancelled. A finished job: 409.
   */
  async cancel(workspaceId: string, jobId: string, actor: Actor, reason?: string): Promise<{ job: Job; immediate: boolean }> {
    const outcome = await this.deps.knex.transaction(async (trx) => {
      const { job } = await this.lock(trx, workspaceId, jobId);
      if (job.status === 'CREATED') {
        const cancelled = await transitionJob(trx, workspaceId, job.id, { to: 'CANCELLED', mode: 'strict', error: `cancelled by ${actor.userId}` }, job);
        await this.audit(trx, workspaceId, job.id, 'job.cancelled', actor, { reason });
        // No workflow tells the webhooks of this end: the deliveries are recorded with it.
        const events = finishedJobEvents('CANCELLED');
        const webhooks = await this.deps.repos.webhooks.subscribedTo(workspaceId, events, trx);
        const notice = { workspaceId, job: cancelled.job, status: 'CANCELLED', runNumber: cancelled.job.run_number, webhooks, events };
        const deliveries = await this.deps.repos.webhooks.recordDeliveries(workspaceId, jobFinishedDeliveries(notice), trx);
        return { job: cancelled.job, immediate: true, deliveries };
      }
      if (!['QUEUED', 'RUNNING', 'RETRYING'].includes(job.status)) {
        throw errors.conflict(`A ${job.status} job cannot be cancelled`, { status: job.status });
      }
      await this.audit(trx, workspaceId, job.id, 'job.cancel_requested', actor, { reason });
      try {
        await this.cancelWorkflow(job.id, { by: actor.userId, reason });
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw errors.conflict('The job is finishing; try again in a moment');
        throw unavailable(error);
      }
      return { job, immediate: false, deliveries: [] };
    });
    // A schedule's firing starts the workflow of a job it leaves CREATED until a worker runs it:
    // that workflow ends cancelled now. A workflow this misses (Temporal unreachable) still
    // finds the job CANCELLED when it runs, and ends so.
    if (outcome.immediate && outcome.job.schedule_id) await this.cancelWorkflow(outcome.job.id, { by: actor.userId, reason }).catch(() => undefined);
    await this.startDeliveries(workspaceId, outcome.deliveries);
    return { job: outcome.job, immediate: outcome.immediate };
  }

  /** FAILED or DEAD_LETTER → QUEUED in a new run (attempts counted afresh), by signal-with-start. */
  async requeue(workspaceId: string, jobId: string, actor: Actor): Promise<Job> {
    return this.deps.knex.transaction(async (trx) => {
      const { job, targetValue } = await this.lock(trx, workspaceId, jobId);
      if (job.status !== 'FAILED' && job.status !== 'DEAD_LETTER') {
        throw errors.conflict(`Only FAILED or DEAD_LETTER jobs can be requeued; this one is ${job.status}`, { status: job.status });
      }
      const outcome = await transitionJob(trx, workspaceId, jobId, { to: 'QUEUED', mode: 'strict' }, job);
      await this.audit(trx, workspaceId, jobId, 'job.requeued', actor, { run_number: outcome.job.run_number });
      try {
        await this.deps.temporal.workflow.signalWithStart(JOB_WORKFLOW_TYPE, {
          ...this.startOptions(outcome.job, targetValue),
          signal: requeueSignal,
          signalArgs: [{ by: actor.userId, runNumber: outcome.job.run_number }],
        });
      } catch (error) {
        throw unavailable(error);
      }
      return outcome.job;
    });
  }

  /** Starts the workflows of deliveries recorded with a change; one Temporal does not take is marked FAILED (the change stands). */
  private async startDeliveries(workspaceId: string, deliveries: readonly DeliveryRow[]): Promise<void> {
    for (const delivery of deliveries) await startRecordedDelivery(this.deps, workspaceId, delivery).catch(() => undefined);
  }

  /** Who cancels and why, then the cancellation request: the workflow mirrors CANCELLED and ends cancelled. */
  private async cancelWorkflow(jobId: string, request: CancelRequest): Promise<void> {
    const handle = this.deps.temporal.workflow.getHandle(jobId);
    await handle.signal(cancelSignal, request);
    await handle.cancel();
  }

  /** The job, its row locked until `trx` ends, and its target's value (for the workflow's memo). */
  private async lock(trx: Knex.Transaction, workspaceId: string, jobId: string): Promise<{ job: Job; targetValue: string }> {
    const locked = await this.deps.repos.jobs.findWithTarget(workspaceId, jobId, { trx, lock: true });
    if (!locked) throw errors.notFound('Job');
    return locked;
  }

  private audit(trx: Knex.Transaction, workspaceId: string, jobId: string, action: string, actor: Actor, details: Record<string, unknown> = {}) {
    return this.deps.repos.auditLogs.record(workspaceId, { action, entity_type: 'job', entity_id: jobId, actor_id: actor.userId, ip: actor.ip, details }, trx);
  }

  private startOptions(job: Job, targetValue: string) {
    const { temporal } = this.deps.config;
    return {
      workflowId: job.id,
      taskQueue: taskQueueName(temporal.taskQueue, TECHNIQUES[job.technique].queueClass),
      args: [{ jobId: job.id } satisfies JobWorkflowInput] as [JobWorkflowInput],
      searchAttributes: {
        [SEARCH_ATTRIBUTES.workspaceId]: [job.workspace_id],
        [SEARCH_ATTRIBUTES.targetId]: [job.target_id],
        [SEARCH_ATTRIBUTES.technique]: [job.technique],
        [SEARCH_ATTRIBUTES.jobStatus]: ['QUEUED'],
      },
      memo: jobMemo(job, targetValue, this.deps.config.jobs[job.technique]),
    };
  }
}

function unavailable(cause: unknown) {
  return errors.unavailable('Temporal did not accept the request; the job is unchanged, try again', { cause });
}
