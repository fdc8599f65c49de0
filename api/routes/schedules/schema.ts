/** Schemas of the schedule endpoints. */
import { Type } from '@sinclair/typebox';
import { OVERLAP_POLICIES } from '../../../core/domain/scheduled-jobs';
import { StringEnum } from '../../../core/domain/string-enum';
import { Nullable, PageOf, PageQuery, Timestamp, Uuid } from '../../schemas';
import { TIMING_DEFAULTS } from '../../schedules/timing';
import { CreateJobBody, JobView, TechniqueSchema } from '../jobs/schema';

const YEAR_SECONDS = 366 * 24 * 3600;

export const OverlapPolicySchema = StringEnum(OVERLAP_POLICIES, {
  description:
    'when a firing comes while the job of an earlier one still runs: SKIP it (default), BUFFER_ONE or BUFFER_ALL to run after, ' +
    'CANCEL_OTHER or TERMINATE_OTHER the running job (it ends CANCELLED), or ALLOW_ALL to run side by side',
});

const Cron = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'a cron expression read by Temporal: 5 fields (minute hour day-of-month month day-of-week), 6 (+ year) or 7 (second first), ' +
    'or @hourly, @daily, @weekly, @monthly, @yearly; day-of-month and day-of-week must both match. Its firings may not come closer ' +
    'than SCHEDULE_MIN_INTERVAL_SECONDS.',
});
const IntervalSeconds = Type.Integer({ minimum: 1, maximum: YEAR_SECONDS, description: 'fire every N seconds (at least SCHEDULE_MIN_INTERVAL_SECONDS), aligned to the Unix epoch' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone the cron expression is read in, e.g. "Europe/Paris"' });
const JitterSeconds = Type.Integer({ minimum: 0, maximum: 24 * 3600, description: 'delay each firing by a random amount up to this many seconds' });
const CatchupWindowSeconds = Type.Integer({
  minimum: 10,
  maximum: YEAR_SECONDS,
  description: 'a firing missed while Temporal was unavailable is still taken if at most this late',
});
const Note = Type.String({ minLength: 1, maxLength: 500, description: "a note kept with the schedule's state in Temporal, e.g. why it is paused" });

export const CreateScheduleBody = Type.Object(
  {
    target_id: CreateJobBody.properties.target_id,
    technique: TechniqueSchema,
    params: CreateJobBody.properties.params,
    cron: Type.Optional(Cron),
    interval_seconds: Type.Optional(IntervalSeconds),
    timezone: Type.Optional({ ...TimeZone, default: TIMING_DEFAULTS.timezone }),
    jitter_seconds: Type.Optional({ ...JitterSeconds, default: TIMING_DEFAULTS.jitter_seconds }),
    overlap_policy: Type.Optional({ ...OverlapPolicySchema, default: TIMING_DEFAULTS.overlap_policy }),
    catchup_window_seconds: Type.Optional({ ...CatchupWindowSeconds, default: TIMING_DEFAULTS.catchup_window_seconds }),
    paused: Type.Optional(Type.Boolean({ default: false, description: 'create it paused' })),
    note: Type.Optional(Note),
  },
  { additionalProperties: false, description: 'give exactly one of cron and interval_seconds' },
);

export const UpdateScheduleBody = Type.Object(
  {
    technique: Type.Optional(TechniqueSchema),
    params: Type.Optional({ ...CreateJobBody.properties.params, description: "the technique's params; the current ones are kept (and must fit a new technique) when omitted" }),
    cron: Type.Optional(Cron),
    interval_seconds: Type.Optional(IntervalSeconds),
    timezone: Type.Optional(TimeZone),
    jitter_seconds: Type.Optional(JitterSeconds),
    overlap_policy: Type.Optional(OverlapPolicySchema),
    catchup_window_seconds: Type.Optional(CatchupWindowSeconds),
    paused: Type.Optional(Type.Boolean({ description: 'true pauses the schedule, false resumes it' })),
    note: Type.Optional(Note),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'only the fields given change; a cron replaces an interval and the other way round; later firings run the new technique and params',
  },
);

export const TriggerScheduleBody = Type.Object(
  { overlap_policy: Type.Optional({ ...OverlapPolicySchema, description: "overrides the schedule's overlap policy for this firing" }) },
  { additionalProperties: false },
);

const scheduleProperties = {
  id: Uuid(),
  workspace_id: Uuid(),
  target_id: Uuid(),
  technique: TechniqueSchema,
  params: Type.Record(Type.String(), Type.Unknown()),
  cron: Nullable(Type.String()),
  interval_seconds: Nullable(Type.Integer()),
  timezone: Type.String(),
  jitter_seconds: Type.Integer(),
  overlap_policy: OverlapPolicySchema,
  catchup_window_seconds: Type.Integer(),
  paused: Type.Boolean(),
  note: Nullable(Type.String()),
  temporal_schedule_id: Type.String({ description: "the Temporal Schedule's id; each firing's workflow id is this plus the nominal fire time" }),
  temporal_ui_url: Type.String({ format: 'uri', description: 'the schedule in the Temporal Web UI' }),
  created_at: Timestamp(),
  updated_at: Timestamp(),
};

export const ScheduleView = Type.Object(scheduleProperties);

export const ScheduleDetailView = Type.Object({
  ...scheduleProperties,
  paused: Type.Boolean({ description: "Temporal's state" }),
  note: Nullable(Type.String({ description: "Temporal's note" })),
  next_firing_times: Type.Array(Timestamp(), { description: "Temporal's next firing times; empty while paused" }),
  recent_firings: Type.Array(
    Type.Object({
      scheduled_at: Timestamp('when the firing was due (its nominal time plus any jitter)'),
      taken_at: Timestamp('when Temporal started the firing'),
      workflow_id: Type.String({ description: "the firing's workflow; its child workflow is the job's" }),
    }),
    { description: 'the latest firings, oldest first' },
  ),
  running_workflow_ids: Type.Array(Type.String(), { description: 'firings whose job still runs' }),
  firing_counts: Type.Object({
    taken: Type.Integer(),
    skipped_overlap: Type.Integer({ description: 'firings skipped because the previous job still ran' }),
    missed_catchup_window: Type.Integer(),
  }),
  recent_jobs: Type.Array(JobView, { description: 'the newest jobs the schedule fired, newest first (at most 10)' }),
});

export const ListSchedulesQuery = Type.Object(
  { ...PageQuery, target_id: Type.Optional(Uuid('only schedules of this target')) },
  { additionalProperties: false },
);
export const SchedulePage = PageOf(ScheduleView);
