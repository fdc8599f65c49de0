import { BaseModel } from './BaseModel';

/** A normalized, deduplicated result; one row per fingerprint per workspace. */
export class Finding extends BaseModel {
  static override tableName = 'findings';
  static override jsonAttributes = ['data'];
  id!: string;
  workspace_id!: string;
  target_id!: string | null;
  technique!: string;
  finding_type!: string;
  subject!: string;
  data!: Record<string, unknown>;
  fingerprint!: string;
  first_seen_at!: Date;
  last_seen_at!: Date;
  seen_count!: number;
}
