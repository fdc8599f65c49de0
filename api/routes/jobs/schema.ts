/** Schemas of the job endpoints. */
import { Type } from '@sinclair/typebox';
import { JOB_STATUSES } from '../../../core/domain/job-states';
import { StringEnum } from '../../../core/domain/string-enum';
import { TECHNIQUE_CODES, TECHNIQUE_PARAMS, TECHNIQUES } from '../../../core/domain/techniques';
import { Nullable, PageOf, PageQuery, Timestamp, Uuid } from '../../schemas';


export const TechniqueSchema = StringEnum(TECHNIQUE_CODES, {
  description: TECHNIQUE_CODES.map((code) => `${code} (${TECHNIQUES[code].appliesTo.join(', ')}): ${TECHNIQUES[code].description}`).join('; '),
});
export const JobStatusSchema = StringEnum(JOB_STATUSES);

export const CreateJobBody = Type.Object(
  {
    target_id: Uuid('a target of this workspace'),
    technique: TechniqueSchema,
    params: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "the technique's parameters, checked against its schema in x-technique-params (unknown keys refused); {} when omitted",
        // Documentation only: the handler validates params once the technique is known.
        'x-technique-params': TECHNIQUE_PARAMS,
      }),
    ),
  },
  { additionalProperties: false },
);

export const JobView = Type.Object({
  id: Uuid('the job, also its Temporal workflow id'),
  workspace_id: Uuid(),
  target_id: Uuid(),
  schedule_id: Nullable(Uuid('the schedule that fired this job')),
  technique: TechniqueSchema,
  params: Type.Record(Type.String(), Type.Unknown()),
  status: JobStatusSchema,
  idempotency_key: Type.String({ description: 'sha256(workspace_id + target_id + technique + canonical_json(params) + "v1")' }),
  attempts: Type.Integer(),
  run_number: Type.Integer({ description: 'starts at 1; each requeue starts a new run' }),
  last_error: Nullable(Type.String()),
  next_retry_at: Nullable(Timestamp()),
  created_at: Timestamp(),
  updated_at: Timestamp(),
  queued_at: Nullable(Timestamp()),
  started_at: Nullable(Timestamp()),
  finished_at: Nullable(Timestamp()),
  temporal_ui_url: Type.String({ format: 'uri', description: "the job's workflow in the Temporal Web UI" }),
});

export const JobProgressView = Type.Object(
  {
    attempt: Type.Integer({ minimum: 1, description: 'the running attempt' }),
    reported_at: Nullable(Timestamp('when the attempt last reported; null before its first report')),
    details: Nullable(
      Type.Record(Type.String(), Type.Unknown(), { description: "what the technique reported: its stage, and counts such as a port scan's ports_done, ports_total and open" }),
    ),
  },
  { description: 'the progress of the running attempt, as the worker last reported it to Temporal (reports start after its first second)' },
);

export const JobDetailView = Type.Composite([
  JobView,
  Type.Object({ progress: Nullable(JobProgressView, 'null unless an attempt is running, or when Temporal could not tell in time') }),
]);

export const ListJobsQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(JobStatusSchema),
    technique: Type.Optional(TechniqueSchema),
    target_id: Type.Optional(Uuid('only jobs against this target')),
    schedule_id: Type.Optional(Uuid('only jobs this schedule fired')),
  },
  { additionalProperties: false },
);
export const JobPage = PageOf(JobView);

export const JobEventView = Type.Object({
  id: Type.Integer({ description: 'increases with every event' }),
  job_id: Uuid(),
  from_status: Nullable(JobStatusSchema),
  to_status: JobStatusSchema,
  attempt: Type.Integer(),
  run_number: Type.Integer(),
  error: Nullable(Type.String()),
  at: Timestamp(),
});

export const ListEventsQuery = Type.Object(PageQuery, { additionalProperties: false });
export const JobEventPage = PageOf(JobEventView);
