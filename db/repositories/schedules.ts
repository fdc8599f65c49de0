/**
 * Schedules as Postgres keeps them, for listing and permissions (Temporal's Schedule is the
 * source of truth for timing). Every method takes the workspace id first, but for the firing's
 * lookup by id.
 */
import type { Knex } from 'knex';
import type { ScheduleTiming } from '../../core/domain/scheduled-jobs';
import type { TechniqueCode } from '../../core/domain/techniques';
import { Job } from '../models/Job';
import { Schedule } from '../models/Schedule';
import { paginate, type Page, type PageRequest } from '../pagination';

/** A schedule to insert; its id is chosen by the caller, who names the Temporal Schedule after it. */
export interface NewSchedule {
  readonly id: string;
  readonly target_id: string;
  readonly technique: TechniqueCode;
  readonly params: Record<string, unknown>;
  readonly temporal_schedule_id: string;
  readonly spec: ScheduleTiming;
  readonly paused: boolean;
  readonly note: string | null;
  readonly created_by: string;
}

/** What a change may set. */
export interface SchedulePatch {
  readonly technique?: TechniqueCode;
  readonly params?: Record<string, unknown>;
  readonly spec?: ScheduleTiming;
  readonly paused?: boolean;
  readonly note?: string | null;
}

/** Filters of the schedule listing. */
export interface ScheduleFilter {
  readonly target_id?: string;
}

/** Reads and writes schedule rows. */
export class SchedulesRepository {
  constructor(private readonly db: Knex) {}

  async insert(workspaceId: string, input: NewSchedule, trx: Knex.Transaction): Promise<Schedule> {
    const [row] = await trx('schedules')
      .insert({ ...input, params: JSON.stringify(input.params), spec: JSON.stringify(input.spec), workspace_id: workspaceId })
      .returning('*');
    return Schedule.fromDatabaseJson(row);
  }

  /** The schedule, if it is in the workspace; `forUpdate` locks its row until `trx` ends. */
  async find(workspaceId: string, scheduleId: string, trx?: Knex.Transaction, options: { forUpdate?: boolean } = {}): Promise<Schedule | undefined> {
    const query = Schedule.query(trx ?? this.db).findOne({ workspace_id: workspaceId, id: scheduleId });
    return await (options.forUpdate ? query.forUpdate() : query);
  }

  /**
   * The schedule by id alone, for its firing (which knows only the schedule id), with its row
   * share-locked until `trx` ends so a concurrent delete waits for the job the firing creates.
   */
  async findForFiring(scheduleId: string, trx: Knex.Transaction): Promise<Schedule | undefined> {
    return await Schedule.query(trx).findById(scheduleId).forShare();
  }

  /** The workspace's schedules, newest first. */
  list(workspaceId: string, filter: ScheduleFilter, page: PageRequest): Promise<Page<Schedule>> {
    const query = Schedule.query(this.db).where('workspace_id', workspaceId).toKnexQuery();
    if (filter.target_id) query.where('target_id', filter.target_id);
    return paginate<Schedule>(query.select('*'), page, { column: 'created_at', timestamp: true });
  }

  async update(workspaceId: string, scheduleId: string, patch: SchedulePatch, trx: Knex.Transaction): Promise<Schedule> {
    const [row] = await trx('schedules')
      .where({ workspace_id: workspaceId, id: scheduleId })
      .update({
        ...patch,
        ...(patch.spec && { spec: JSON.stringify(patch.spec) }),
        ...(patch.params && { params: JSON.stringify(patch.params) }),
        updated_at: trx.fn.now(),
      })
      .returning('*');
    return Schedule.fromDatabaseJson(row);
  }

  /** Deletes the row; the jobs it fired stay, their schedule_id cleared by the foreign key. */
  async remove(workspaceId: string, scheduleId: string, trx: Knex.Transaction): Promise<void> {
    await trx('schedules').where({ workspace_id: workspaceId, id: scheduleId }).delete();
  }

  /** The newest jobs the schedule fired. */
  async recentJobs(workspaceId: string, scheduleId: string, limit: number): Promise<Job[]> {
    return await Job.query(this.db)
      .where({ workspace_id: workspaceId, schedule_id: scheduleId })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(limit);
  }
}
