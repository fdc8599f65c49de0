/** Findings: listing, full-text search, stats, one finding, and what one job saw. */
import { errors } from '../../../core/errors';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { WorkspaceParams } from '../../schemas';
import { findingFilter } from './filters';
import { presentFinding, presentJobFinding, presentSearchHit, presentStats } from './presenter';
import {
  DEFAULT_STATS_DAYS,
  FindingPage,
  FindingParams,
  FindingView,
  JobFindingPage,
  JobFindingsQuery,
  JobParams,
  ListFindingsQuery,
  SearchPage,
  SearchQuery,
  StatsQuery,
  StatsView,
} from './schema';

export function findingRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos } = deps;
  // The literal paths /findings/search and /findings/stats come before /findings/{finding_id}.
  return [
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/findings',
      summary: 'Findings of the workspace, most recently seen first',
      description: 'Time filters take RFC 3339 instants; `_from` is inclusive, `_to` exclusive.',
      tags: ['findings'],
      access: 'VIEWER',
      params: WorkspaceParams,
      query: ListFindingsQuery,
      responses: { 200: { description: 'a page of findings', schema: FindingPage } },
      handler: async ({ workspace, query }) => {
        const page = await repos.findings.list(workspace.id, findingFilter(query), query);
        return { body: { items: page.items.map(presentFinding), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/findings/search',
      summary: 'Search findings',
      description:
        'Matches whole words of the subject and data (websearch syntax), or any part of the subject of 3 characters or more ' +
        '(%, _ and \\ taken literally). Ordered by rank, then by most recently seen.',
      tags: ['findings'],
      access: 'VIEWER',
      params: WorkspaceParams,
      query: SearchQuery,
      responses: { 200: { description: 'a page of hits', schema: SearchPage } },
      handler: async ({ workspace, query }) => {
        const page = await repos.findings.search(workspace.id, query.q, query);
        return { body: { items: page.items.map(presentSearchHit), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/findings/stats',
      summary: 'Counts of findings by type, technique and target, and new findings per day',
      tags: ['findings'],
      access: 'VIEWER',
      params: WorkspaceParams,
      query: StatsQuery,
      responses: { 200: { description: 'the counts', schema: StatsView } },
      handler: async ({ workspace, query }) => {
        const days = query.days ?? DEFAULT_STATS_DAYS;
        return { body: presentStats(await repos.findings.stats(workspace.id, days), days) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/findings/{finding_id}',
      summary: 'One finding',
      tags: ['findings'],
      access: 'VIEWER',
      params: FindingParams,
      responses: { 200: { description: 'the finding', schema: FindingView } },
      handler: async ({ workspace, params }) => {
        const finding = await repos.findings.get(workspace.id, params.finding_id);
        if (!finding) throw errors.notFound('Finding');
        return { body: presentFinding(finding) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/jobs/{job_id}/findings',
      summary: 'What one job saw',
      description: 'Every finding the job saw, also those other jobs saw too, most recently seen by this job first.',
      tags: ['findings', 'jobs'],
      access: 'VIEWER',
      params: JobParams,
      query: JobFindingsQuery,
      responses: { 200: { description: 'a page of findings', schema: JobFindingPage } },
      handler: async ({ workspace, params, query }) => {
        const page = await repos.findings.listForJob(workspace.id, params.job_id, query);
        if (!page) throw errors.notFound('Job');
        return { body: { items: page.items.map(presentJobFinding), next_cursor: page.next_cursor } };
      },
    }),
  ];
}
