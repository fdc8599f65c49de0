/** What changed: a job's findings compared with the previous job of its target and technique. */
import { Type } from '@sinclair/typebox';
import { errors } from '../../../core/errors';
import type { Job } from '../../../db/models/Job';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { Uuid, WorkspaceResourceParams } from '../../schemas';

const MAX_DIFF_ITEMS = 1000;
const DEFAULT_DIFF_ITEMS = 200;

const DiffQuery = Type.Object(
  {
    against: Type.Optional(Uuid('compare with this SUCCEEDED job instead of the previous one')),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_DIFF_ITEMS, default: DEFAULT_DIFF_ITEMS, description: `entries per list, at most ${MAX_DIFF_ITEMS}; counts are always whole` }),
    ),
  },
  { additionalProperties: false },
);

const DiffEntryView = Type.Object({
  finding_id: Uuid(),
  finding_type: Type.String(),
  subject: Type.String(),
  fingerprint: Type.String(),
  data: Type.Object({}, { additionalProperties: true, description: 'the data as that job saw it' }),
});

const Count = Type.Integer({ minimum: 0 });
const JobDiffView = Type.Object({
  job_id: Uuid(),
  against_job_id: Type.Union([Uuid(), Type.Null()], { description: 'null when no earlier job succeeded: everything is new' }),
  counts: Type.Object({ new: Count, gone: Count, changed: Count, unchanged: Count }),
  new: Type.Array(DiffEntryView, { description: 'seen by this job, not by the other' }),
  gone: Type.Array(DiffEntryView, { description: 'seen by the other job, not by this one' }),
  changed: Type.Array(
    Type.Object({ finding_type: Type.String(), subject: Type.String(), before: DiffEntryView, after: DiffEntryView }),
    { description: 'the same subject with different data: before as the other job saw it, after as this one did' },
  ),
});

export function jobDiffRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos } = deps;

  async function succeededJob(workspaceId: string, jobId: string, role: string): Promise<Job> {
    const job = await repos.jobs.find(workspaceId, jobId);
    if (!job) throw errors.notFound('Job');
    if (job.status !== 'SUCCEEDED') {
      throw errors.conflict(`${role} is ${job.status}; only SUCCEEDED jobs have a complete view of their findings`, { status: job.status });
    }
    return job;
  }

  return [
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/jobs/{job_id}/diff',
      summary: 'What changed since the previous job of the same target and technique',
      description:
        'Compares what this job saw with what the previous SUCCEEDED job of its target and technique saw (or the job named by ' +
        '`against`): findings new, gone and changed. A finding seen by both with different data is changed; so is one whose ' +
        'identifying data changed under the same type and subject, when exactly one such finding went and one came. Both jobs ' +
        'must have SUCCEEDED (409 otherwise). Lists are ordered by type, subject and fingerprint.',
      tags: ['jobs', 'findings'],
      access: 'VIEWER',
      params: WorkspaceResourceParams('job_id', 'the job'),
      query: DiffQuery,
      responses: { 200: { description: 'the diff', schema: JobDiffView } },
      errors: [409],
      handler: async ({ workspace, params, query }) => {
        const job = await succeededJob(workspace.id, params.job_id as string, 'The job');
        if (query.against?.toLowerCase() === job.id) throw errors.validation([{ field: 'query.against', message: 'must name another job' }]);
        const against = query.against
          ? await succeededJob(workspace.id, query.against, 'The job to compare against')
          : await repos.findingDiffs.previousJob(workspace.id, job);
        const diff = await repos.findingDiffs.diff(
          workspace.id,
          { jobId: job.id, runNumber: job.run_number },
          against && { jobId: against.id, runNumber: against.run_number },
          query.limit ?? DEFAULT_DIFF_ITEMS,
        );
        // The repository's entries are already plain response objects (no models).
        return { body: { job_id: job.id, against_job_id: against?.id ?? null, ...diff } };
      },
    }),
  ];
}
