import { BaseModel } from './BaseModel';

/** A sealed-off investigation: its members, targets, jobs and findings. */
export class Workspace extends BaseModel {
  static override tableName = 'workspaces';
  id!: string;
  name!: string;
  description!: string | null;
  created_by!: string | null;
  created_at!: Date;
  updated_at!: Date;
}
