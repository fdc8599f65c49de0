/** The audit trail: written in the transaction of the change it records, read by ADMINs. */
import type { Knex } from 'knex';
import { AuditLog } from '../models/AuditLog';
import { paginate, type Page, type PageRequest } from '../pagination';

/** One audited action. */
export interface AuditEntry {
  readonly action: string;
  readonly entity_type: string;
  readonly entity_id?: string | null;
  readonly actor_id: string | null;
  readonly ip?: string | null;
  readonly details?: Record<string, unknown>;
}

/** Filters of the audit log listing. */
export interface AuditFilter {
  readonly action?: string;
  readonly actor_id?: string;
}

/** Reads and writes audit rows. */
export class AuditLogsRepository {
  constructor(private readonly db: Knex) {}

  /** Records `entry` for the workspace (null for account-level actions) inside `trx`. */
  async record(workspaceId: string | null, entry: AuditEntry, trx: Knex.Transaction): Promise<void> {
    // Plain knex, nothing returned: every mutation of the API writes one of these.
    await trx('audit_logs').insert({
      workspace_id: workspaceId,
      action: entry.action,
      entity_type: entry.entity_type,
      entity_id: entry.entity_id ?? null,
      actor_id: entry.actor_id,
      ip: entry.ip ?? null,
      details: JSON.stringify(entry.details ?? {}),
    });
  }

  /** The workspace's audit rows, newest first. */
  list(workspaceId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditLog>> {
    const query = AuditLog.query(this.db).where('workspace_id', workspaceId).toKnexQuery();
    if (filter.action) query.where('action', filter.action);
    if (filter.actor_id) query.where('actor_id', filter.actor_id);
    return paginate<AuditLog>(query.select('*'), page, { column: 'id' });
  }
}
