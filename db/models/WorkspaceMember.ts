import type { Role } from '../../core/domain/roles';
import { BaseModel } from './BaseModel';

/** A user's role in a workspace. */
export class WorkspaceMember extends BaseModel {
  static override tableName = 'workspace_members';
  static override idColumn = ['workspace_id', 'user_id'];
  workspace_id!: string;
  user_id!: string;
  role!: Role;
  created_at!: Date;
  updated_at!: Date;
}
