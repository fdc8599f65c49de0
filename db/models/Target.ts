import type { TargetType } from '../../core/domain/targets';
import { BaseModel } from './BaseModel';

/** An email address or domain under investigation, normalized, unique per workspace. */
export class Target extends BaseModel {
  static override tableName = 'targets';
  id!: string;
  workspace_id!: string;
  type!: TargetType;
  value!: string;
  original_value!: string;
  created_by!: string | null;
  created_at!: Date;
}
