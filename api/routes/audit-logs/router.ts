/** The workspace's audit trail, for ADMINs. */
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { WorkspaceParams } from '../../schemas';
import { presentAuditLog } from './presenter';
import { AuditLogPage, AuditLogQuery } from './schema';

export function auditLogRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/audit-logs',
      summary: 'Audit trail of the workspace, newest first',
      tags: ['audit'],
      access: 'ADMIN',
      params: WorkspaceParams,
      query: AuditLogQuery,
      responses: { 200: { description: 'a page of audit rows', schema: AuditLogPage } },
      handler: async ({ workspace, query }) => {
        const page = await repos.auditLogs.list(workspace.id, { action: query.action, actor_id: query.actor_id }, query);
        return { body: { items: page.items.map(presentAuditLog), next_cursor: page.next_cursor } };
      },
    }),
  ];
}
