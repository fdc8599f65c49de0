/** Shapes schedules for responses, with links to the Temporal Web UI. */
import type { Static } from '@sinclair/typebox';
import type { Config } from '../../../core/config';
import type { Schedule } from '../../../db/models/Schedule';
import type { DescribedSchedule } from '../../schedules/schedule-manager';
import { presentJob } from '../jobs/presenter';
import type { ScheduleDetailView, ScheduleView } from './schema';

/** The schedule's page in the Temporal Web UI. */
export function temporalScheduleUrl(temporal: Config['temporal'], scheduleId: string): string {
  return `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}

export function presentSchedule(schedule: Schedule, temporal: Config['temporal']): Static<typeof ScheduleView> {
  return {
    id: schedule.id,
    workspace_id: schedule.workspace_id,
    target_id: schedule.target_id,
    technique: schedule.technique,
    params: schedule.params,
    cron: schedule.spec.cron,
    interval_seconds: schedule.spec.interval_seconds,
    timezone: schedule.spec.timezone,
    jitter_seconds: schedule.spec.jitter_seconds,
    overlap_policy: schedule.spec.overlap_policy,
    catchup_window_seconds: schedule.spec.catchup_window_seconds,
    paused: schedule.paused,
    note: schedule.note,
    temporal_schedule_id: schedule.temporal_schedule_id,
    temporal_ui_url: temporalScheduleUrl(temporal, schedule.temporal_schedule_id),
    created_at: schedule.created_at.toISOString(),
    updated_at: schedule.updated_at.toISOString(),
  };
}

/** The schedule with Temporal's view of it (state, next and recent firings) and its recent jobs. */
export function presentScheduleDetail(described: DescribedSchedule, temporal: Config['temporal']): Static<typeof ScheduleDetailView> {
  const { state, info } = described.temporal;
  return {
    ...presentSchedule(described.schedule, temporal),
    paused: state.paused,
    note: state.note || null,
    next_firing_times: state.paused ? [] : info.nextActionTimes.map((time) => time.toISOString()),
    recent_firings: info.recentActions.map((action) => ({
      scheduled_at: action.scheduledAt.toISOString(),
      taken_at: action.takenAt.toISOString(),
      workflow_id: action.action.workflow.workflowId,
    })),
    running_workflow_ids: info.runningActions.map((action) => action.workflow.workflowId),
    firing_counts: {
      taken: info.numActionsTaken,
      skipped_overlap: info.numActionsSkippedOverlap,
      missed_catchup_window: info.numActionsMissedCatchupWindow,
    },
    recent_jobs: described.recentJobs.map((job) => presentJob(job, temporal)),
  };
}
