/** Running jobs on Temporal: enqueue, cancel and requeue. */
import { Type } from '@sinclair/typebox';
import { errors } from '../../../core/errors';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { WorkspaceResourceParams } from '../../schemas';
import { presentJob } from './presenter';
import { JobView } from './schema';

const JobParams = WorkspaceResourceParams('job_id', 'the job');
const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500, description: 'recorded in the job history and the audit log' })) },
  { additionalProperties: false },
);

export function jobRunRoutes(deps: RouteDeps): RouteDefinition[] {
  const { jobRunner, config } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/workspaces/{workspace_id}/jobs/{job_id}/enqueue',
      summary: 'Start the job (CREATED → QUEUED): its Temporal workflow id is the job id',
      description: 'Enqueueing a job that is no longer CREATED starts nothing and answers the job as it is (200).',
      tags: ['jobs'],
      access: 'ANALYST',
      params: JobParams,
      responses: {
        202: { description: 'the workflow was started; the job is QUEUED', schema: JobView },
        200: { description: 'the job was already enqueued; unchanged', schema: JobView },
      },
      errors: [503],
      handler: async ({ workspace, params, user, ip }) => {
        const { job, started } = await jobRunner.enqueue(workspace.id, params.job_id as string, { userId: user.id, ip });
        return { status: started ? 202 : 200, body: presentJob(job, config.temporal) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/workspaces/{workspace_id}/jobs/{job_id}/cancel',
      summary: 'Cancel the job',
      description:
        'A CREATED job is CANCELLED at once (200). A QUEUED, RUNNING or RETRYING job is cancelled through a signal to ' +
        'its workflow (202): the running technique stops within seconds and the job ends CANCELLED. A finished job: 409.',
      tags: ['jobs'],
      access: 'ANALYST',
      params: JobParams,
      body: Type.Optional(CancelBody),
      responses: {
        200: { description: 'cancelled', schema: JobView },
        202: { description: 'cancellation requested', schema: JobView },
      },
      errors: [409, 503],
      handler: async ({ workspace, params, body, user, ip }) => {
        const { job, immediate } = await jobRunner.cancel(workspace.id, params.job_id as string, { userId: user.id, ip }, body?.reason);
        return { status: immediate ? 200 : 202, body: presentJob(job, config.temporal) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/workspaces/{workspace_id}/jobs/{job_id}/requeue',
      summary: 'Run a FAILED or DEAD_LETTER job again, in a new run',
      tags: ['jobs'],
      access: 'ANALYST',
      params: JobParams,
      responses: { 202: { description: 'requeued: QUEUED in the next run, attempts counted afresh', schema: JobView } },
      errors: [409, 503],
      handler: async ({ workspace, params, user, ip }) => {
        const job = await jobRunner.requeue(workspace.id, params.job_id as string, { userId: user.id, ip });
        if (!job) throw errors.notFound('Job');
        return { status: 202, body: presentJob(job, config.temporal) };
      },
    }),
  ];
}
