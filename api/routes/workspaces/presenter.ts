/** Shapes workspaces and members for responses. */
import type { Static } from '@sinclair/typebox';
import type { Role } from '../../../core/domain/roles';
import type { Workspace } from '../../../db/models/Workspace';
import type { MemberRow } from '../../../db/repositories/workspaces';
import type { MemberView, WorkspaceView } from './schema';

export function presentWorkspace(workspace: Workspace, role: Role): Static<typeof WorkspaceView> {
  return {
    id: workspace.id,
    name: workspace.name,
    description: workspace.description,
    role,
    created_at: workspace.created_at.toISOString(),
  };
}

export function presentMember(member: MemberRow): Static<typeof MemberView> {
  return {
    user_id: member.user_id,
    email: member.email,
    display_name: member.display_name,
    role: member.role,
    joined_at: member.created_at.toISOString(),
  };
}
