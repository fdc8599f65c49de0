/** Jobs: creating them (idempotently), listing them and reading their state history. */
import { errors } from '../../../core/errors';
import type { Job } from '../../../db/models/Job';
import type { RouteDeps } from '../../deps';
import { readJobProgress, type JobProgress } from '../../jobs/job-progress';
import { defineRoute, type RouteDefinition } from '../../route';
import { WorkspaceParams, WorkspaceResourceParams } from '../../schemas';
import { createJob } from './create-job';
import { presentJob, presentJobEvent } from './presenter';
import { CreateJobBody, JobDetailView, JobEventPage, JobPage, JobView, ListEventsQuery, ListJobsQuery } from './schema';

const JobParams = WorkspaceResourceParams('job_id', 'the job');
/** How long one job's GET waits for Temporal to tell its progress. */
const PROGRESS_TIMEOUT_MS = 1000;

export function jobRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos, config } = deps;
  const present = (job: Job) => presentJob(job, config.temporal);

  return [
    defineRoute({
      method: 'post',
      path: '/workspaces/{workspace_id}/jobs',
      summary: 'Create a job (CREATED) running a technique against a target',
      description:
        'Idempotent: the same workspace, target, technique and params return the existing job with 200. ' +
        'The technique must apply to the target type, and params must match its schema.',
      tags: ['jobs'],
      access: 'ANALYST',
      params: WorkspaceParams,
      body: CreateJobBody,
      responses: { 201: { description: 'the new job', schema: JobView }, 200: { description: 'the job an identical request created', schema: JobView } },
      errors: [409],
      handler: async ({ workspace, body, user, ip }) => {
        const { job, created } = await createJob(deps, { workspaceId: workspace.id, targetId: body.target_id, technique: body.technique, params: body.params ?? {}, actorId: user.id, ip });
        return { status: created ? 201 : 200, body: present(job) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/jobs',
      summary: "The workspace's jobs, newest first",
      tags: ['jobs'],
      access: 'VIEWER',
      params: WorkspaceParams,
      query: ListJobsQuery,
      responses: { 200: { description: 'a page of jobs', schema: JobPage } },
      handler: async ({ workspace, query }) => {
        const { status, technique, target_id, schedule_id } = query;
        const page = await repos.jobs.list(workspace.id, { status, technique, target_id, schedule_id }, query);
        return { body: { items: page.items.map(present), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/jobs/{job_id}',
      summary: 'One job, with a link to its workflow in the Temporal Web UI and the progress of its running attempt',
      tags: ['jobs'],
      access: 'VIEWER',
      params: JobParams,
      responses: { 200: { description: 'the job', schema: JobDetailView } },
      handler: async ({ workspace, params, logger }) => {
        const job = await repos.jobs.find(workspace.id, params.job_id as string);
        if (!job) throw errors.notFound('Job');
        let progress: JobProgress | null = null;
        if (job.status === 'RUNNING' || job.status === 'RETRYING') {
          // Progress is a courtesy: a slow or unreachable Temporal leaves it null, never fails the request.
          progress = await readJobProgress(deps.temporal, job.id, PROGRESS_TIMEOUT_MS).catch((error: Error) => {
            logger.warn({ err: error.message, job_id: job.id }, 'job progress unavailable');
            return null;
          });
        }
        return { body: { ...present(job), progress } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/jobs/{job_id}/events',
      summary: "The job's state history, oldest first",
      tags: ['jobs'],
      access: 'VIEWER',
      params: JobParams,
      query: ListEventsQuery,
      responses: { 200: { description: 'a page of state changes', schema: JobEventPage } },
      handler: async ({ workspace, params, query }) => {
        const jobId = params.job_id as string;
        if (!(await repos.jobs.find(workspace.id, jobId))) throw errors.notFound('Job');
        const page = await repos.jobs.listEvents(workspace.id, jobId, query);
        return { body: { items: page.items.map(presentJobEvent), next_cursor: page.next_cursor } };
      },
    }),
  ];
}
