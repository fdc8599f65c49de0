/**
 * The API's side of recurring scans. Each schedule is a Temporal Schedule (the source of truth
 * for timing) and a Postgres row (listing, permissions). Every change writes the row and its
 * audit row in one transaction that commits only once Temporal has accepted the same change, so
 * the two stay in step; a Temporal refusal of the spec is a 422 naming the field.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Config } from '../../core/config';
import {
  SCHEDULED_JOB_WORKFLOW_TYPE,
  temporalScheduleId,
  type OverlapPolicy,
  type ScheduledJobInput,
  type ScheduleTiming,
} from '../../core/domain/scheduled-jobs';
import { SEARCH_ATTRIBUTES, taskQueueName } from '../../core/domain/temporal';
import type { TechniqueCode } from '../../core/domain/techniques';
import { AppError, errors, type FieldProblem } from '../../core/errors';
import type { Job } from '../../db/models/Job';
import type { Schedule } from '../../db/models/Schedule';
import type { Repositories } from '../../db/repositories';
import type { Actor } from '../jobs/job-runner';
import { checkTechniqueParams, checkTechniqueTarget } from '../routes/jobs/technique-params';
import { changesTiming, cronFrequencyProblem, resolveTiming, specProblem, toTemporalPolicies, toTemporalSpec, type TimingInput } from './timing';

/** A new schedule, as asked for. */
export interface NewScheduleRequest extends TimingInput {
  readonly targetId: string;
  readonly technique: TechniqueCode;
  readonly params: Record<string, unknown>;
  readonly paused: boolean;
  readonly note?: string;
}

/** A change: technique and params, timing fields, pause or resume, a note. */
export interface ScheduleChange extends TimingInput {
  readonly technique?: TechniqueCode;
  readonly params?: Record<string, unknown>;
  readonly paused?: boolean;
  readonly note?: string;
}

/** A schedule with what Temporal says about it and the jobs it fired lately. */
export interface DescribedSchedule {
  readonly schedule: Schedule;
  readonly temporal: ScheduleDescription;
  readonly recentJobs: Job[];
}

const RECENT_JOBS = 10;

/** Creates, changes, triggers, deletes and describes schedules. */
export class ScheduleManager {
  constructor(private readonly deps: { knex: Knex; repos: Repositories; temporal: Client; config: Config }) {}

  /** Checks everything, then inserts the row and creates the Temporal Schedule together. */
  async create(workspaceId: string, request: NewScheduleRequest, actor: Actor): Promise<Schedule> {
    const { repos, temporal } = this.deps;
    const { timing, problems } = resolveTiming(request, undefined, this.minInterval);
    const work = await this.checkWork(workspaceId, request.targetId, request.technique, request.params);
    const all = [...problems, ...work.problems];
    if (all.length > 0) throw errors.validation(all);
    const { target } = work;
    await this.checkWithTemporal(timing);

    const id = randomUUID();
    const scheduleId = temporalScheduleId(id);
    const note = request.note ?? (request.paused ? `paused by ${actor.userId}` : null);
    let inTemporal = false;
    try {
      return await this.deps.knex.transaction(async (trx) => {
        const schedule = await repos.schedules.insert(
          workspaceId,
          { id, target_id: target.id, technique: request.technique, params: request.params, temporal_schedule_id: scheduleId, spec: timing, paused: request.paused, note, created_by: actor.userId },
          trx,
        );
        await this.audit(trx, schedule, 'schedule.created', actor, { target_id: target.id, technique: request.technique, ...timing, paused: request.paused });
        const searchAttributes = {
          [SEARCH_ATTRIBUTES.workspaceId]: [workspaceId],
          [SEARCH_ATTRIBUTES.targetId]: [target.id],
          [SEARCH_ATTRIBUTES.technique]: [request.technique],
        };
        await callTemporal(timing, () =>
          temporal.schedule.create({
            scheduleId,
            spec: toTemporalSpec(timing),
            policies: toTemporalPolicies(timing),
            action: {
              type: 'startWorkflow',
              workflowType: SCHEDULED_JOB_WORKFLOW_TYPE,
              // Temporal appends the nominal fire time to this id for each firing.
              workflowId: scheduleId,
              taskQueue: taskQueueName(this.deps.config.temporal.taskQueue, 'general'),
              args: [{ scheduleId: id } satisfies ScheduledJobInput],
              searchAttributes,
              memo: { schedule_id: id, target: target.value, technique: request.technique, workspace_id: workspaceId },
            },
            searchAttributes,
            memo: { schedule_id: id, target: target.value, technique: request.technique, workspace_id: workspaceId },
            state: { paused: request.paused, ...(note !== null && { note }) },
          }),
        );
        inTemporal = true;
        return schedule;
      });
    } catch (error) {
      // The commit failed after Temporal accepted: take the schedule back so no firing finds no row.
      if (inTemporal) await temporal.schedule.getHandle(scheduleId).delete().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Changes the technique and params (checked as for a new schedule; firings read them from the
   * row) or the timing (Temporal's update, labels included), pauses or resumes, records a note.
   */
  async update(workspaceId: string, id: string, change: ScheduleChange, actor: Actor): Promise<Schedule> {
    return this.deps.knex.transaction(async (trx) => {
      const current = await this.lock(trx, workspaceId, id);
      const timingChanged = changesTiming(change);
      const technique = change.technique ?? current.technique;
      const params = change.params ?? current.params;
      const paramsChanged = !isDeepStrictEqual(params, current.params);
      const workChanged = technique !== current.technique || (change.params !== undefined && paramsChanged);
      const { timing, problems } = resolveTiming(change, current.spec, this.minInterval);
      const all = [...problems, ...(workChanged ? (await this.checkWork(workspaceId, current.target_id, technique, params)).problems : [])];
      if (all.length > 0) throw errors.validation(all);
      if (timingChanged) await this.checkWithTemporal(timing);
      const pausing = change.paused !== undefined && change.paused !== current.paused;
      const note = change.note ?? (pausing ? `${change.paused ? 'paused' : 'resumed'} by ${actor.userId}` : current.note);
      const patch = { spec: timing, paused: change.paused ?? current.paused, note, ...(workChanged && { technique, params }) };
      const updated = await this.deps.repos.schedules.update(workspaceId, id, patch, trx);
      const updating = timingChanged || workChanged || (change.note !== undefined && !pausing);
      if (updating) {
        const work = workChanged ? { technique: { from: current.technique, to: technique }, params_changed: paramsChanged } : {};
        await this.audit(trx, updated, 'schedule.updated', actor, { from: current.spec, to: timing, note, ...work });
      }
      if (pausing) await this.audit(trx, updated, change.paused ? 'schedule.paused' : 'schedule.resumed', actor, { note });
      // One call to Temporal whatever changed, so Temporal never keeps half of a change whose
      // transaction then rolls back: an update carries a pause or resume in its state.
      if (updating) {
        await callTemporal(timing, () =>
          this.handle(current).update((previous) => {
            const labels = { ...previous.searchAttributes, [SEARCH_ATTRIBUTES.technique]: [technique] };
            // The typed copy of the action's labels would win over the changed ones.
            const { typedSearchAttributes: _typed, ...action } = previous.action;
            return {
              spec: toTemporalSpec(timing),
              policies: toTemporalPolicies(timing),
              action: { ...action, searchAttributes: labels, memo: { ...action.memo, technique } },
              searchAttributes: labels,
              state: { paused: pausing ? updated.paused : previous.state.paused, ...(note !== null && { note }) },
            };
          }),
        );
      } else if (pausing) {
        const handle = this.handle(current);
        // A non-empty note is what tells Temporal to pause or unpause (an empty one does nothing).
        await callTemporal(undefined, () => (change.paused ? handle.pause(note ?? 'paused') : handle.unpause(note ?? 'resumed')));
      }
      return updated;
    });
  }

  /**
   * Fires the schedule now, under its overlap policy unless `overlap` names another. Under SKIP
   * with a firing still running, the trigger would be dropped silently: 409 instead.
   */
  async trigger(workspaceId: string, id: string, actor: Actor, overlap?: OverlapPolicy): Promise<Schedule> {
    return this.deps.knex.transaction(async (trx) => {
      const schedule = await this.lock(trx, workspaceId, id);
      const policy = overlap ?? schedule.spec.overlap_policy;
      const handle = this.handle(schedule);
      if (policy === 'SKIP') {
        const running = (await callTemporal(undefined, () => handle.describe())).info.runningActions.map((action) => action.workflow.workflowId);
        if (running.length > 0) {
          throw errors.conflict('A firing of this schedule is still running; under the SKIP overlap policy the trigger would be skipped', { running_workflow_ids: running });
        }
      }
      await this.audit(trx, schedule, 'schedule.triggered', actor, { overlap_policy: policy });
      await callTemporal(undefined, () => handle.trigger(policy));
      return schedule;
    });
  }

  /** Deletes the row and the Temporal Schedule; jobs it fired stay (a running one runs to its end). */
  async remove(workspaceId: string, id: string, actor: Actor): Promise<void> {
    await this.deps.knex.transaction(async (trx) => {
      const schedule = await this.lock(trx, workspaceId, id);
      await this.audit(trx, schedule, 'schedule.deleted', actor, { target_id: schedule.target_id, technique: schedule.technique });
      await this.deps.repos.schedules.remove(workspaceId, id, trx);
      try {
        await this.handle(schedule).delete();
      } catch (error) {
        // Already gone from Temporal: deleting the row puts the two back in step.
        if (!(error instanceof ScheduleNotFoundError)) throw unavailable(error);
      }
    });
  }

  /** The schedule, Temporal's description of it (next firings, recent firings) and its recent jobs. */
  async describe(workspaceId: string, id: string): Promise<DescribedSchedule> {
    const schedule = await this.deps.repos.schedules.find(workspaceId, id);
    if (!schedule) throw errors.notFound('Schedule');
    const [temporal, recentJobs] = await Promise.all([
      callTemporal(undefined, () => this.handle(schedule).describe()),
      this.deps.repos.schedules.recentJobs(workspaceId, id, RECENT_JOBS),
    ]);
    return { schedule, temporal, recentJobs };
  }

  private get minInterval(): number {
    return this.deps.config.schedules.minIntervalSeconds;
  }

  /** The target (404 when not in the workspace), and what is wrong with running `technique` with `params` against it. */
  private async checkWork(workspaceId: string, targetId: string, technique: TechniqueCode, params: Record<string, unknown>) {
    const target = await this.deps.repos.targets.find(workspaceId, targetId);
    if (!target) throw errors.notFound('Target');
    return { target, problems: [...checkTechniqueParams(technique, params), ...checkTechniqueTarget(technique, target.type)] };
  }

  /**
   * Cron expressions are Temporal's to read: it compiles the spec in a paused probe schedule
   * (deleted at once), so its refusals (syntax, ranges, time zone) become 422s before anything
   * is written, and its next firing times prove the minimum interval.
   */
  private async checkWithTemporal(timing: ScheduleTiming): Promise<void> {
    if (timing.cron === null) return;
    const probe = this.deps.temporal.schedule.getHandle(`schedule-probe-${randomUUID()}`);
    await callTemporal(timing, () =>
      this.deps.temporal.schedule.create({
        scheduleId: probe.scheduleId,
        spec: toTemporalSpec({ ...timing, jitter_seconds: 0 }),
        action: { type: 'startWorkflow', workflowType: SCHEDULED_JOB_WORKFLOW_TYPE, taskQueue: taskQueueName(this.deps.config.temporal.taskQueue, 'general'), args: [] },
        state: { paused: true, note: 'probe: checks a cron expression; deleted at once' },
      }),
    );
    let problem: FieldProblem | undefined;
    try {
      problem = cronFrequencyProblem((await callTemporal(timing, () => probe.describe())).info.nextActionTimes, this.minInterval);
    } finally {
      await probe.delete().catch(() => undefined);
    }
    if (problem) throw errors.validation([problem]);
  }

  private handle(schedule: Schedule): ScheduleHandle {
    return this.deps.temporal.schedule.getHandle(schedule.temporal_schedule_id);
  }

  private async lock(trx: Knex.Transaction, workspaceId: string, id: string): Promise<Schedule> {
    const schedule = await this.deps.repos.schedules.find(workspaceId, id, trx, { forUpdate: true });
    if (!schedule) throw errors.notFound('Schedule');
    return schedule;
  }

  private audit(trx: Knex.Transaction, schedule: Schedule, action: string, actor: Actor, details: Record<string, unknown>) {
    return this.deps.repos.auditLogs.record(
      schedule.workspace_id,
      { action, entity_type: 'schedule', entity_id: schedule.id, actor_id: actor.userId, ip: actor.ip, details },
      trx,
    );
  }
}

/**
 * Runs a Temporal call, mapping its failures: a refused spec (the SDK's TypeError) to a 422
 * naming the field when `timing` is given, a schedule missing from Temporal to a 409, anything
 * else to a 503.
 */
async function callTemporal<T>(timing: ScheduleTiming | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (timing && error instanceof TypeError) throw errors.validation([specProblem(error.message, timing)]);
    if (error instanceof ScheduleNotFoundError) {
      throw errors.conflict('The schedule is missing from Temporal; delete it and create it again');
    }
    throw unavailable(error);
  }
}

function unavailable(cause: unknown) {
  return errors.unavailable('Temporal did not accept the request; the schedule is unchanged, try again', { cause });
}
