import { BaseModel } from './BaseModel';

/** Metadata of raw evidence stored byte for byte in object storage. */
export class Evidence extends BaseModel {
  static override tableName = 'evidence';
  id!: string;
  workspace_id!: string;
  job_id!: string;
  run_number!: number;
  attempt!: number;
  object_key!: string;
  content_type!: string;
  size_bytes!: string | number;
  sha256!: string;
  created_at!: Date;
}
