/** Changing or removing a membership while keeping at least one ADMIN in every workspace. */
import type { Role } from '../../../core/domain/roles';
import { errors } from '../../../core/errors';
import type { MemberRow } from '../../../db/repositories/workspaces';
import type { RouteDeps } from '../../deps';

/**
 * Sets a member's role (or removes the member when `newRole` is null) in one transaction with
 * its audit row, then announces the change to every API process. The ADMIN rows are locked
 * first, so two concurrent demotions cannot both pass the last-ADMIN check.
 */
export async function demoteOrRemoveMember(
  deps: Pick<RouteDeps, 'knex' | 'repos' | 'memberships'>,
  change: { workspaceId: string; userId: string; newRole: Role | null; actorId: string; ip: string },
): Promise<MemberRow | undefined> {
  const { repos } = deps;
  const member = await deps.knex.transaction(async (trx) => {
    const admins = await repos.workspaces.lockAdmins(change.workspaceId, trx);
    const current = await repos.workspaces.roleOf(change.workspaceId, change.userId, trx);
    if (!current) throw errors.notFound('Member');
    const losesAdmin = current === 'ADMIN' && change.newRole !== 'ADMIN';
    if (losesAdmin && admins.length <= 1) {
      throw errors.conflict('A workspace needs at least one ADMIN; promote another member first');
    }
    if (change.newRole === null) {
      await repos.workspaces.removeMember(change.workspaceId, change.userId, trx);
    } else {
      await repos.workspaces.setRole(change.workspaceId, change.userId, change.newRole, trx);
    }
    await repos.auditLogs.record(
      change.workspaceId,
      {
        action: change.newRole === null ? 'member.removed' : 'member.role_changed',
        entity_type: 'user',
        entity_id: change.userId,
        actor_id: change.actorId,
        ip: change.ip,
        details: change.newRole === null ? { role: current } : { from: current, to: change.newRole },
      },
      trx,
    );
    return change.newRole === null ? undefined : repos.workspaces.findMember(change.workspaceId, change.userId, trx);
  });
  // After the commit, so that no process can read the old membership back once it has dropped it.
  await deps.memberships.changed(change.workspaceId);
  return member;
}
