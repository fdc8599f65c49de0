import { BaseModel } from './BaseModel';

/** A recurring scan; Temporal's Schedule is the source of truth for its timing. */
export class Schedule extends BaseModel {
  static override tableName = 'schedules';
  static override jsonAttributes = ['params', 'spec'];
  id!: string;
  workspace_id!: string;
  target_id!: string;
  technique!: string;
  params!: Record<string, unknown>;
  temporal_schedule_id!: string;
  spec!: Record<string, unknown>;
  paused!: boolean;
  note!: string | null;
  created_by!: string | null;
  created_at!: Date;
  updated_at!: Date;
}
