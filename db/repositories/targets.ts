/** Targets: normalized emails and domains, unique per workspace. Every method takes the workspace id first. */
import type { Knex } from 'knex';
import type { TargetType } from '../../core/domain/targets';
import { errors } from '../../core/errors';
import { Target } from '../models/Target';
import { paginate, type Page, type PageRequest } from '../pagination';

/** A target to add; `value` is already normalized. */
export interface NewTarget {
  readonly type: TargetType;
  readonly value: string;
  readonly original_value: string;
  readonly created_by: string;
}

/** Filters of the target listing. */
export interface TargetFilter {
  readonly type?: TargetType;
}

/** Reads and writes targets. */
export class TargetsRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Inserts the target unless the workspace already has it (same type and normalized value),
   * and returns the one row either way. Race-safe: a concurrent insert of the same target
   * waits on the unique index, then finds the committed row.
   */
  async insertIfAbsent(workspaceId: string, input: NewTarget, trx: Knex.Transaction): Promise<{ target: Target; created: boolean }> {
    const [inserted] = await trx('targets')
      .insert({ ...input, workspace_id: workspaceId })
      .onConflict(['workspace_id', 'type', 'value'])
      .ignore()
      .returning('*');
    if (inserted) return { target: Target.fromDatabaseJson(inserted), created: true };
    const existing = await Target.query(trx).findOne({ workspace_id: workspaceId, type: input.type, value: input.value });
    if (!existing) throw errors.internal(new Error('target vanished between its insert conflict and the read'));
    return { target: existing, created: false };
  }

  /** The target, if it is in the workspace. */
  async find(workspaceId: string, targetId: string, trx?: Knex.Transaction): Promise<Target | undefined> {
    return await Target.query(trx ?? this.db).findOne({ workspace_id: workspaceId, id: targetId });
  }

  /** The workspace's targets, newest first. */
  list(workspaceId: string, filter: TargetFilter, page: PageRequest): Promise<Page<Target>> {
    const query = Target.query(this.db).where('workspace_id', workspaceId).toKnexQuery();
    if (filter.type) query.where('type', filter.type);
    return paginate<Target>(query.select('*'), page, { column: 'created_at', timestamp: true });
  }
}
