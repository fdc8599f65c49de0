/** Jobs and their state history. Every method takes the workspace id first. */
import type { Knex } from 'knex';
import type { ModelObject } from 'objection';
import type { JobStatus } from '../../core/domain/job-states';
import type { TechniqueCode } from '../../core/domain/techniques';
import { errors } from '../../core/errors';
import { Job } from '../models/Job';
import { JobEvent } from '../models/JobEvent';
import { type Target } from '../models/Target';
import { paginate, type Page, type PageRequest } from '../pagination';

/** A job to create, with its idempotency key already computed. */
export interface NewJob {
  readonly target_id: string;
  readonly technique: TechniqueCode;
  readonly params: Record<string, unknown>;
  readonly idempotency_key: string;
  readonly created_by: string | null;
  readonly schedule_id?: string | null;
}

/** Filters of the job listing. */
export interface JobFilter {
  readonly status?: JobStatus;
  readonly technique?: TechniqueCode;
  readonly target_id?: string;
  readonly schedule_id?: string;
}

/** Reads and creates jobs; status changes after creation go through the transition table elsewhere. */
export class JobsRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Creates the job in CREATED with its first history row, unless a job with the same
   * idempotency key exists; returns the one job either way. Race-safe: a concurrent insert
   * with the same key waits on the unique index, then finds the committed row.
   */
  async insertIfAbsent(workspaceId: string, input: NewJob, trx: Knex.Transaction): Promise<{ job: Job; created: boolean }> {
    const [inserted] = await trx('jobs')
      .insert({ ...input, params: JSON.stringify(input.params), workspace_id: workspaceId, status: 'CREATED' satisfies JobStatus })
      .onConflict('idempotency_key')
      .ignore()
      .returning('*');
    if (!inserted) {
      const existing = await Job.query(trx).findOne({ workspace_id: workspaceId, idempotency_key: input.idempotency_key });
      // The key hashes the workspace id, so a job holding it elsewhere would be a hash collision.
      if (!existing) throw errors.internal(new Error('the idempotency key is held by a job outside this workspace'));
      return { job: existing, created: false };
    }
    const job = Job.fromDatabaseJson(inserted);
    await JobEvent.query(trx).insert({
      job_id: job.id,
      workspace_id: workspaceId,
      from_status: null,
      to_status: 'CREATED',
      attempt: 0,
      run_number: job.run_number,
    });
    return { job, created: true };
  }

  /** The job, if it is in the workspace; `forUpdate` locks its row until `trx` ends. */
  async find(workspaceId: string, jobId: string, trx?: Knex.Transaction, options: { forUpdate?: boolean } = {}): Promise<Job | undefined> {
    const query = Job.query(trx ?? this.db).findOne({ workspace_id: workspaceId, id: jobId });
    return await (options.forUpdate ? query.forUpdate() : query);
  }

  /** The job and its target's value, in one query; `lock` locks the job's row until `trx` ends. */
  async findWithTarget(
    workspaceId: string,
    jobId: string,
    options: { trx?: Knex.Transaction; lock?: boolean } = {},
  ): Promise<{ job: Job; targetValue: string } | undefined> {
    const query = (options.trx ?? this.db)('jobs')
      .join('targets', (on) => on.on('targets.id', 'jobs.target_id').andOn('targets.workspace_id', 'jobs.workspace_id'))
      .where({ 'jobs.workspace_id': workspaceId, 'jobs.id': jobId });
    if (options.lock) query.forUpdate('jobs');
    const row: (Job & { target_value?: string }) | undefined = await query.first('jobs.*', 'targets.value as target_value');
    if (!row) return undefined;
    const targetValue = row.target_value ?? '';
    delete row.target_value;
    return { job: row, targetValue };
  }

  /**
   * The job and its target by id alone: the one lookup not scoped by a workspace, because the
   * worker rehydrates a job from its workflow id (the job id) and learns the workspace from it.
   */
  async findForWorker(jobId: string): Promise<{ job: ModelObject<Job>; target: Pick<Target, 'type' | 'value'> } | undefined> {
    // One query: the worker rehydrates every job through here.
    const row = (await this.db('jobs')
      .join('targets', function joinTarget() {
        this.on('targets.id', '=', 'jobs.target_id').andOn('targets.workspace_id', '=', 'jobs.workspace_id');
      })
      .where('jobs.id', jobId)
      .first('jobs.*', 'targets.type as target_type', 'targets.value as target_value')) as
      | (ModelObject<Job> & { target_type: Target['type']; target_value: string })
      | undefined;
    if (!row) return undefined;
    const { target_type: type, target_value: value, ...job } = row;
    return { job, target: { type, value } };
  }

  /** The workspace's jobs, newest first. */
  list(workspaceId: string, filter: JobFilter, page: PageRequest): Promise<Page<Job>> {
    const query = Job.query(this.db).where('workspace_id', workspaceId).toKnexQuery();
    if (filter.status) query.where('status', filter.status);
    if (filter.technique) query.where('technique', filter.technique);
    if (filter.target_id) query.where('target_id', filter.target_id);
    if (filter.schedule_id) query.where('schedule_id', filter.schedule_id);
    return paginate<Job>(query.select('*'), page, { column: 'created_at', timestamp: true });
  }

  /** The job's state history, oldest first. */
  listEvents(workspaceId: string, jobId: string, page: PageRequest): Promise<Page<JobEvent>> {
    const query = JobEvent.query(this.db).where({ workspace_id: workspaceId, job_id: jobId }).toKnexQuery();
    return paginate<JobEvent>(query.select('*'), page, { column: 'id', order: 'asc' });
  }
}
