/** Evidence: metadata for every member, the raw bytes for ADMINs. */
import { errors } from '../../../core/errors';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { WorkspaceParams } from '../../schemas';
import { openEvidenceContent, sendEvidenceContent } from './content';
import { presentEvidence } from './presenter';
import { EvidencePage, EvidenceParams, EvidenceView, JobEvidenceParams, ListEvidenceQuery } from './schema';

export function evidenceRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos, knex } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/evidence',
      summary: 'Evidence metadata of the workspace, newest first',
      tags: ['evidence'],
      access: 'VIEWER',
      params: WorkspaceParams,
      query: ListEvidenceQuery,
      responses: { 200: { description: 'a page of evidence metadata', schema: EvidencePage } },
      handler: async ({ workspace, query }) => {
        const page = await repos.evidence.list(workspace.id, query);
        return { body: { items: page.items.map(presentEvidence), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/evidence/job/{job_id}/files',
      summary: 'Evidence metadata one job stored, newest first',
      tags: ['evidence', 'jobs'],
      access: 'VIEWER',
      params: JobEvidenceParams,
      query: ListEvidenceQuery,
      responses: { 200: { description: 'a page of evidence metadata', schema: EvidencePage } },
      handler: async ({ workspace, params, query }) => {
        const page = await repos.evidence.listForJob(workspace.id, params.job_id, query);
        if (!page) throw errors.notFound('Job');
        return { body: { items: page.items.map(presentEvidence), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/evidence/{evidence_id}',
      summary: 'Metadata of one piece of evidence',
      tags: ['evidence'],
      access: 'VIEWER',
      params: EvidenceParams,
      responses: { 200: { description: 'the metadata', schema: EvidenceView } },
      handler: async ({ workspace, params }) => {
        const evidence = await repos.evidence.get(workspace.id, params.evidence_id);
        if (!evidence) throw errors.notFound('Evidence');
        return { body: presentEvidence(evidence) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/evidence/{evidence_id}/content',
      summary: 'The raw evidence, byte for byte',
      description:
        'Streamed with the recorded Content-Type and Content-Length; X-Content-SHA256 carries the recorded digest. ' +
        'Bytes are verified while streaming: on a mismatch the transfer is cut short, never completed. Each download is audited.',
      tags: ['evidence'],
      access: 'ADMIN',
      params: EvidenceParams,
      responses: { 200: { description: 'the content, with its recorded Content-Type', contentType: 'application/octet-stream' } },
      handler: async ({ workspace, params, user, ip, ctx, logger }) => {
        const evidence = await repos.evidence.get(workspace.id, params.evidence_id);
        if (!evidence) throw errors.notFound('Evidence');
        const source = await openEvidenceContent(deps.evidenceStore, evidence);
        try {
          await knex.transaction((trx) =>
            repos.auditLogs.record(workspace.id, { action: 'evidence.content_read', entity_type: 'evidence', entity_id: evidence.id, actor_id: user.id, ip, details: { job_id: evidence.job_id, sha256: evidence.sha256 } }, trx),
          );
        } catch (error) {
          source.destroy();
          throw error;
        }
        sendEvidenceContent(ctx, source, evidence, logger);
      },
    }),
  ];
}
