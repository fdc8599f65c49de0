import type { JobStatus } from '../../core/domain/job-states';
import type { TechniqueCode } from '../../core/domain/techniques';
import { BaseModel } from './BaseModel';

/** One run of a technique against a target; its id is the Temporal workflow id. */
export class Job extends BaseModel {
  static override tableName = 'jobs';
  static override jsonAttributes = ['params'];
  id!: string;
  workspace_id!: string;
  target_id!: string;
  schedule_id!: string | null;
  technique!: TechniqueCode;
  params!: Record<string, unknown>;
  status!: JobStatus;
  idempotency_key!: string;
  attempts!: number;
  run_number!: number;
  last_error!: string | null;
  next_retry_at!: Date | null;
  created_by!: string | null;
  created_at!: Date;
  updated_at!: Date;
  queued_at!: Date | null;
  started_at!: Date | null;
  finished_at!: Date | null;
}
