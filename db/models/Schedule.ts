import type { ScheduleTiming } from '../../core/domain/scheduled-jobs';
import type { TechniqueCode } from '../../core/domain/techniques';
import { BaseModel } from './BaseModel';

/** A recurring scan; Temporal's Schedule is the source of truth for its timing. */
export class Schedule extends BaseModel {
  static override tableName = 'schedules';
  static override jsonAttributes = ['params', 'spec'];
  id!: string;
  workspace_id!: string;
  target_id!: string;
  technique!: TechniqueCode;
  params!: Record<string, unknown>;
  temporal_schedule_id!: string;
  /** The timing the schedule was given (Temporal holds the compiled spec). */
  spec!: ScheduleTiming;
  paused!: boolean;
  note!: string | null;
  created_by!: string | null;
  created_at!: Date;
  updated_at!: Date;
}
