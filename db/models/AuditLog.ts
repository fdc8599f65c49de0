import { BaseModel } from './BaseModel';

/** Who did what, where, from which address. */
export class AuditLog extends BaseModel {
  static override tableName = 'audit_logs';
  static override jsonAttributes = ['details'];
  id!: string;
  workspace_id!: string | null;
  actor_id!: string | null;
  action!: string;
  entity_type!: string;
  entity_id!: string | null;
  ip!: string | null;
  details!: Record<string, unknown>;
  created_at!: Date;
}
