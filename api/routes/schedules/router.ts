/** Schedules: recurring scans run as Temporal Schedules, each firing a normal job. */
import { Type } from '@sinclair/typebox';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { WorkspaceParams, WorkspaceResourceParams } from '../../schemas';
import { presentSchedule, presentScheduleDetail } from './presenter';
import { CreateScheduleBody, ListSchedulesQuery, ScheduleDetailView, SchedulePage, ScheduleView, TriggerScheduleBody, UpdateScheduleBody } from './schema';

const ScheduleParams = WorkspaceResourceParams('schedule_id', 'the schedule');

export function scheduleRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos, config, scheduleManager } = deps;

  return [
    defineRoute({
      method: 'post',
      path: '/workspaces/{workspace_id}/schedules',
      summary: 'Create a schedule: a technique run against a target on a cron expression or an interval',
      description:
        'Creates the Temporal Schedule (the source of truth for timing) and its row together. Each firing creates a normal job ' +
        '(its idempotency key adds the schedule id and the nominal fire time) and runs it as an enqueued job runs, as a child ' +
        "of the firing's workflow. An invalid cron, an interval below the minimum or an unknown time zone: 422 naming the field.",
      tags: ['schedules'],
      access: 'ANALYST',
      params: WorkspaceParams,
      body: CreateScheduleBody,
      responses: { 201: { description: 'the new schedule', schema: ScheduleView } },
      errors: [503],
      handler: async ({ workspace, body, user, ip }) => {
        const schedule = await scheduleManager.create(
          workspace.id,
          { ...body, targetId: body.target_id, params: body.params ?? {}, paused: body.paused ?? false },
          { userId: user.id, ip },
        );
        return { status: 201, body: presentSchedule(schedule, config.temporal) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/schedules',
      summary: "The workspace's schedules, newest first",
      tags: ['schedules'],
      access: 'VIEWER',
      params: WorkspaceParams,
      query: ListSchedulesQuery,
      responses: { 200: { description: 'a page of schedules', schema: SchedulePage } },
      handler: async ({ workspace, query }) => {
        const page = await repos.schedules.list(workspace.id, { target_id: query.target_id }, query);
        return { body: { items: page.items.map((schedule) => presentSchedule(schedule, config.temporal)), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/schedules/{schedule_id}',
      summary: 'One schedule, with its next firing times, its recent firings and the jobs it fired lately',
      tags: ['schedules'],
      access: 'VIEWER',
      params: ScheduleParams,
      responses: { 200: { description: 'the schedule, as Temporal and Postgres know it', schema: ScheduleDetailView } },
      errors: [409, 503],
      handler: async ({ workspace, params }) => {
        const described = await scheduleManager.describe(workspace.id, params.schedule_id as string);
        return { body: presentScheduleDetail(described, config.temporal) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/workspaces/{workspace_id}/schedules/{schedule_id}',
      summary: 'Change the technique, params or timing, pause (with a note) or resume the schedule',
      description: 'Temporal accepts the change before it is saved; an invalid cron, an interval below the minimum or an unknown time zone: 422.',
      tags: ['schedules'],
      access: 'ANALYST',
      params: ScheduleParams,
      body: UpdateScheduleBody,
      responses: { 200: { description: 'the changed schedule', schema: ScheduleView } },
      errors: [409, 503],
      handler: async ({ workspace, params, body, user, ip }) => {
        const schedule = await scheduleManager.update(workspace.id, params.schedule_id as string, body, { userId: user.id, ip });
        return { body: presentSchedule(schedule, config.temporal) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/workspaces/{workspace_id}/schedules/{schedule_id}/trigger',
      summary: 'Fire the schedule now (also when paused): one more job',
      description:
        "The firing follows the schedule's overlap policy unless the body names another; under SKIP, while the job of an earlier " +
        'firing still runs, the trigger would be skipped: 409.',
      tags: ['schedules'],
      access: 'ANALYST',
      params: ScheduleParams,
      body: Type.Optional(TriggerScheduleBody),
      responses: { 202: { description: 'Temporal took the trigger; the job appears in recent_jobs within moments', schema: ScheduleView } },
      errors: [409, 503],
      handler: async ({ workspace, params, body, user, ip }) => {
        const schedule = await scheduleManager.trigger(workspace.id, params.schedule_id as string, { userId: user.id, ip }, body?.overlap_policy);
        return { status: 202, body: presentSchedule(schedule, config.temporal) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/workspaces/{workspace_id}/schedules/{schedule_id}',
      summary: 'Delete the schedule, in Temporal and here',
      description: 'The jobs it fired stay (with schedule_id cleared); a job still running runs to its end.',
      tags: ['schedules'],
      access: 'ANALYST',
      params: ScheduleParams,
      responses: { 204: { description: 'deleted' } },
      errors: [503],
      handler: async ({ workspace, params, user, ip }) => {
        await scheduleManager.remove(workspace.id, params.schedule_id as string, { userId: user.id, ip });
        return { status: 204, body: null };
      },
    }),
  ];
}
