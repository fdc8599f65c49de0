/** Targets: emails and domains under investigation, normalized and unique per workspace. */
import type { TargetType } from '../../../core/domain/targets';
import { errors } from '../../../core/errors';
import { normalizeDomain, normalizeEmail, type Normalized } from '../../../core/target-values';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { WorkspaceParams, WorkspaceResourceParams } from '../../schemas';
import { presentTarget } from './presenter';
import { CreateTargetBody, ListTargetsQuery, TargetPage, TargetView } from './schema';

const NORMALIZERS: Readonly<Record<TargetType, (input: string) => Normalized>> = { email: normalizeEmail, domain: normalizeDomain };
const NAMES: Readonly<Record<TargetType, string>> = { email: 'an email address', domain: 'a domain name' };

export function targetRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos, knex } = deps;

  const createTarget = (type: TargetType) =>
    defineRoute({
      method: 'post',
      path: `/workspaces/{workspace_id}/targets/${type}`,
      summary: `Add ${NAMES[type]} as a target`,
      description: `The value is normalized first; adding the same normalized ${type} again returns the existing target with 200.`,
      tags: ['targets'],
      access: 'ANALYST',
      params: WorkspaceParams,
      body: CreateTargetBody,
      responses: { 201: { description: 'the new target', schema: TargetView }, 200: { description: 'the target the workspace already had', schema: TargetView } },
      handler: async ({ workspace, body, user, ip }) => {
        const normalized = NORMALIZERS[type](body.value);
        if (!normalized.ok) throw errors.validation([{ field: 'body.value', message: normalized.reason }]);
        const { target, created } = await knex.transaction(async (trx) => {
          const result = await repos.targets.insertIfAbsent(workspace.id, { type, value: normalized.value, original_value: body.value, created_by: user.id }, trx);
          if (result.created) {
            await repos.auditLogs.record(workspace.id, { action: 'target.created', entity_type: 'target', entity_id: result.target.id, actor_id: user.id, ip, details: { type, value: normalized.value } }, trx);
          }
          return result;
        });
        return { status: created ? 201 : 200, body: presentTarget(target) };
      },
    });

  return [
    createTarget('email'),
    createTarget('domain'),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/targets',
      summary: "The workspace's targets, newest first",
      tags: ['targets'],
      access: 'VIEWER',
      params: WorkspaceParams,
      query: ListTargetsQuery,
      responses: { 200: { description: 'a page of targets', schema: TargetPage } },
      handler: async ({ workspace, query }) => {
        const page = await repos.targets.list(workspace.id, { type: query.type }, query);
        return { body: { items: page.items.map(presentTarget), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/targets/{target_id}',
      summary: 'One target',
      tags: ['targets'],
      access: 'VIEWER',
      params: WorkspaceResourceParams('target_id', 'the target'),
      responses: { 200: { description: 'the target', schema: TargetView } },
      handler: async ({ workspace, params }) => {
        const target = await repos.targets.find(workspace.id, params.target_id as string);
        if (!target) throw errors.notFound('Target');
        return { body: presentTarget(target) };
      },
    }),
  ];
}
