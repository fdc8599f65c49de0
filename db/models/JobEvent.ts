import type { JobStatus } from '../../core/domain/job-states';
import { BaseModel } from './BaseModel';

/** One transition in a job's state history. */
export class JobEvent extends BaseModel {
  static override tableName = 'job_events';
  id!: string;
  job_id!: string;
  workspace_id!: string;
  from_status!: JobStatus | null;
  to_status!: JobStatus;
  attempt!: number;
  run_number!: number;
  error!: string | null;
  at!: Date;
}
