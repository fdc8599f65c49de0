/** Workspaces and their members. Every method but creation takes the workspace id first. */
import type { Knex } from 'knex';
import type { Role } from '../../core/domain/roles';
import { Workspace } from '../models/Workspace';
import { WorkspaceMember } from '../models/WorkspaceMember';
import { paginate, type Page, type PageRequest } from '../pagination';

/** A workspace with the caller's role in it. */
export type WorkspaceWithRole = Workspace & { role: Role };

/** The caller as the access check reads them: who they are and their role in a workspace (null: not a member). */
export interface MembershipAccess {
  readonly user_id: string;
  readonly email: string;
  readonly role: Role | null;
}

/** A member with the user's email and name. */
export interface MemberRow {
  workspace_id: string;
  user_id: string;
  role: Role;
  email: string;
  display_name: string | null;
  created_at: Date;
}

/** Reads and writes workspaces and memberships. */
export class WorkspacesRepository {
  constructor(private readonly db: Knex) {}

  /** Creates a workspace with its creator as its first ADMIN. */
  async create(input: { name: string; description: string | null; created_by: string }, trx: Knex.Transaction): Promise<Workspace> {
    const workspace = await Workspace.query(trx).insertAndFetch(input);
    await WorkspaceMember.query(trx).insert({ workspace_id: workspace.id, user_id: input.created_by, role: 'ADMIN' });
    return workspace;
  }

  /** The workspace, if it exists. */
  async find(workspaceId: string, trx?: Knex.Transaction): Promise<Workspace | undefined> {
    return await Workspace.query(trx ?? this.db).findById(workspaceId);
  }

  /** Workspaces `userId` is a member of, newest first, with the user's role. */
  listForUser(userId: string, page: PageRequest): Promise<Page<WorkspaceWithRole>> {
    const query = this.db('workspaces')
      .join('workspace_members', 'workspace_members.workspace_id', 'workspaces.id')
      .where('workspace_members.user_id', userId)
      .select('workspaces.*', 'workspace_members.role');
    return paginate<WorkspaceWithRole>(query, page, { column: 'workspaces.created_at', idColumn: 'workspaces.id', timestamp: true });
  }

  /** The role of `userId` in the workspace, or undefined for a non-member. */
  async roleOf(workspaceId: string, userId: string, trx?: Knex.Transaction): Promise<Role | undefined> {
    const member = await WorkspaceMember.query(trx ?? this.db).findById([workspaceId, userId]);
    return member?.role;
  }

  /**
   * The user (if they exist) and their role in the workspace (null for a non-member), in one
   * query: the access check of every workspace route.
   */
  async accessOf(workspaceId: string | null, userId: string): Promise<MembershipAccess | undefined> {
    return (await this.db('users')
      .leftJoin('workspace_members', (join) => {
        join.on('workspace_members.user_id', '=', 'users.id').andOn('workspace_members.workspace_id', '=', this.db.raw('?', [workspaceId]));
      })
      .where('users.id', userId)
      .first('users.id as user_id', 'users.email', 'workspace_members.role')) as MembershipAccess | undefined;
  }

  /** Members of the workspace, newest first. */
  listMembers(workspaceId: string, page: PageRequest): Promise<Page<MemberRow>> {
    const query = this.memberQuery(this.db, workspaceId);
    return paginate<MemberRow>(query, page, { column: 'workspace_members.created_at', idColumn: 'workspace_members.user_id', timestamp: true });
  }

  /** One member, if `userId` is a member. */
  findMember(workspaceId: string, userId: string, trx?: Knex.Transaction): Promise<MemberRow | undefined> {
    return this.memberQuery(trx ?? this.db, workspaceId).where('workspace_members.user_id', userId).first();
  }

  /** Adds a member; an existing membership raises the unique violation (409). */
  async addMember(workspaceId: string, userId: string, role: Role, trx: Knex.Transaction): Promise<void> {
    await WorkspaceMember.query(trx).insert({ workspace_id: workspaceId, user_id: userId, role });
  }

  /** Changes a member's role. */
  async setRole(workspaceId: string, userId: string, role: Role, trx: Knex.Transaction): Promise<void> {
    await WorkspaceMember.query(trx).findById([workspaceId, userId]).patch({ role, updated_at: new Date() });
  }

  /** Removes a member. */
  async removeMember(workspaceId: string, userId: string, trx: Knex.Transaction): Promise<void> {
    await WorkspaceMember.query(trx).deleteById([workspaceId, userId]);
  }

  /**
   * The ADMIN user ids of the workspace, locked until the transaction ends, so two concurrent
   * demotions cannot both see "another admin remains". Always locked in the same order, so two
   * such transactions wait for each other instead of deadlocking.
   */
  async lockAdmins(workspaceId: string, trx: Knex.Transaction): Promise<string[]> {
    const rows = await trx('workspace_members')
      .where({ workspace_id: workspaceId, role: 'ADMIN' })
      .orderBy('user_id')
      .forUpdate()
      .select('user_id');
    return rows.map((row: { user_id: string }) => row.user_id);
  }

  private memberQuery(db: Knex | Knex.Transaction, workspaceId: string): Knex.QueryBuilder {
    return db('workspace_members')
      .join('users', 'users.id', 'workspace_members.user_id')
      .where('workspace_members.workspace_id', workspaceId)
      .select(
        'workspace_members.workspace_id',
        'workspace_members.user_id',
        'workspace_members.role',
        'workspace_members.created_at',
        'users.email',
        'users.display_name',
      );
  }
}
