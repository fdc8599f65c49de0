/** Workspaces and their members. */
import { errors } from '../../../core/errors';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { WorkspaceParams, WorkspaceResourceParams } from '../../schemas';
import { presentMember, presentWorkspace } from './presenter';
import { AddMemberBody, ChangeRoleBody, CreateWorkspaceBody, ListQuery, MemberPage, MemberView, WorkspacePage, WorkspaceView } from './schema';
import { demoteOrRemoveMember } from './members';

const MemberParams = WorkspaceResourceParams('user_id', 'the member');

export function workspaceRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos, knex } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/workspaces',
      summary: 'Create a workspace (you become its ADMIN)',
      tags: ['workspaces'],
      access: 'user',
      body: CreateWorkspaceBody,
      responses: { 201: { description: 'the workspace', schema: WorkspaceView } },
      handler: async ({ body, user, ip }) => {
        const workspace = await knex.transaction(async (trx) => {
          const created = await repos.workspaces.create({ name: body.name, description: body.description ?? null, created_by: user.id }, trx);
          await repos.auditLogs.record(created.id, { action: 'workspace.created', entity_type: 'workspace', entity_id: created.id, actor_id: user.id, ip, details: { name: created.name } }, trx);
          return created;
        });
        return { status: 201, body: presentWorkspace(workspace, 'ADMIN') };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces',
      summary: 'The workspaces you are a member of',
      tags: ['workspaces'],
      access: 'user',
      query: ListQuery,
      responses: { 200: { description: 'a page of workspaces', schema: WorkspacePage } },
      handler: async ({ query, user }) => {
        const page = await repos.workspaces.listForUser(user.id, query);
        return { body: { items: page.items.map((row) => presentWorkspace(row, row.role)), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}',
      summary: 'One workspace',
      tags: ['workspaces'],
      access: 'VIEWER',
      params: WorkspaceParams,
      responses: { 200: { description: 'the workspace', schema: WorkspaceView } },
      handler: async ({ workspace }) => {
        const found = await repos.workspaces.find(workspace.id);
        if (!found) throw errors.notFound('Workspace');
        return { body: presentWorkspace(found, workspace.role) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/workspaces/{workspace_id}/members',
      summary: 'Add a registered user to the workspace',
      tags: ['members'],
      access: 'ADMIN',
      params: WorkspaceParams,
      body: AddMemberBody,
      responses: { 201: { description: 'the new member', schema: MemberView } },
      errors: [409],
      handler: async ({ workspace, body, user, ip }) => {
        const invitee = await repos.users.findByEmail(body.email.trim());
        if (!invitee) throw errors.notFound('No account with this email; it');
        const member = await knex.transaction(async (trx) => {
          if (await repos.workspaces.roleOf(workspace.id, invitee.id, trx)) throw errors.conflict('This user is already a member');
          await repos.workspaces.addMember(workspace.id, invitee.id, body.role, trx);
          await repos.auditLogs.record(workspace.id, { action: 'member.added', entity_type: 'user', entity_id: invitee.id, actor_id: user.id, ip, details: { role: body.role } }, trx);
          return repos.workspaces.findMember(workspace.id, invitee.id, trx);
        });
        return { status: 201, body: presentMember(member!) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/members',
      summary: 'Members of the workspace',
      tags: ['members'],
      access: 'VIEWER',
      params: WorkspaceParams,
      query: ListQuery,
      responses: { 200: { description: 'a page of members', schema: MemberPage } },
      handler: async ({ workspace, query }) => {
        const page = await repos.workspaces.listMembers(workspace.id, query);
        return { body: { items: page.items.map(presentMember), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/workspaces/{workspace_id}/members/{user_id}',
      summary: "Change a member's role",
      description: 'The last ADMIN cannot be demoted (409).',
      tags: ['members'],
      access: 'ADMIN',
      params: MemberParams,
      body: ChangeRoleBody,
      responses: { 200: { description: 'the member', schema: MemberView } },
      errors: [409],
      handler: async ({ workspace, params, body, user, ip }) => {
        const member = await demoteOrRemoveMember(deps, { workspaceId: workspace.id, userId: params.user_id as string, newRole: body.role, actorId: user.id, ip });
        return { body: presentMember(member!) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/workspaces/{workspace_id}/members/{user_id}',
      summary: 'Remove a member',
      description: 'The last ADMIN cannot be removed (409).',
      tags: ['members'],
      access: 'ADMIN',
      params: MemberParams,
      responses: { 204: { description: 'removed' } },
      errors: [409],
      handler: async ({ workspace, params, user, ip }) => {
        await demoteOrRemoveMember(deps, { workspaceId: workspace.id, userId: params.user_id as string, newRole: null, actorId: user.id, ip });
        return { status: 204, body: null };
      },
    }),
  ];
}
