/** Schemas of the findings endpoints. */
import { Type } from '@sinclair/typebox';
import { StringEnum } from '../../../core/domain/string-enum';
import { TECHNIQUE_CODES } from '../../../core/domain/techniques';
import { STATS_TARGET_LIMIT } from '../../../db/repositories/findings';
import { PageOf, PageQuery, Timestamp, Uuid } from '../../schemas';

/** Printable text: no C0 or C1 control characters, at least one non-space character. */
export const PrintableText = (maxLength: number, description: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    pattern: '^(?=[\\s\\S]*\\S)[^\\u0000-\\u001F\\u007F-\\u009F]+$',
    description: `${description}; 1–${maxLength} characters, no control characters`,
  });

export const FindingParams = Type.Object({ workspace_id: Uuid('the workspace'), finding_id: Uuid('the finding') });
export const JobParams = Type.Object({ workspace_id: Uuid('the workspace'), job_id: Uuid('the job') });

const Instant = (description: string) => Type.Optional(Timestamp(description));

export const ListFindingsQuery = Type.Object(
  {
    ...PageQuery,
    finding_type: Type.Optional(PrintableText(100, 'only findings of this type')),
    technique: Type.Optional(StringEnum(TECHNIQUE_CODES, { description: 'only findings of this technique' })),
    target_id: Type.Optional(Uuid('only findings about this target')),
    job_id: Type.Optional(Uuid('only findings this job saw')),
    first_seen_from: Instant('first seen at or after'),
    first_seen_to: Instant('first seen before'),
    last_seen_from: Instant('last seen at or after'),
    last_seen_to: Instant('last seen before'),
  },
  { additionalProperties: false },
);

export const SearchQuery = Type.Object(
  { ...PageQuery, q: PrintableText(200, 'words (websearch syntax: "quoted phrase", or, -excluded) or part of a subject (3+ characters)') },
  { additionalProperties: false },
);

/** Days of `new_per_day` when the client does not say. */
export const DEFAULT_STATS_DAYS = 30;

export const StatsQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: DEFAULT_STATS_DAYS, description: 'days of new_per_day, ending today (UTC)' })) },
  { additionalProperties: false },
);

export const JobFindingsQuery = Type.Object(PageQuery, { additionalProperties: false });

export const FindingView = Type.Object({
  id: Uuid(),
  target_id: Type.Union([Uuid(), Type.Null()]),
  technique: Type.String(),
  finding_type: Type.String(),
  subject: Type.String(),
  data: Type.Object({}, { additionalProperties: true }),
  fingerprint: Type.String({ description: 'sha256(workspace_id + finding_type + subject + stable_data)' }),
  first_seen_at: Timestamp(),
  last_seen_at: Timestamp(),
  seen_count: Type.Integer({ description: 'how many jobs saw it' }),
});
export const FindingPage = PageOf(FindingView);

export const SearchHitView = Type.Composite([FindingView, Type.Object({ rank: Type.Number({ description: 'relevance, higher first' }) })]);
export const SearchPage = PageOf(SearchHitView);

export const JobFindingView = Type.Composite([FindingView, Type.Object({ seen_at: Timestamp('when this job first saw it') })]);
export const JobFindingPage = PageOf(JobFindingView);

const Count = Type.Integer({ minimum: 0 });
export const StatsView = Type.Object({
  total: Count,
  days: Type.Integer(),
  by_type: Type.Array(Type.Object({ finding_type: Type.String(), count: Count })),
  by_technique: Type.Array(Type.Object({ technique: Type.String(), count: Count })),
  by_target: Type.Array(
    Type.Object({
      target_id: Type.Union([Uuid(), Type.Null()]),
      target_type: Type.Union([Type.String(), Type.Null()]),
      target_value: Type.Union([Type.String(), Type.Null()]),
      count: Count,
    }),
    { description: `the ${STATS_TARGET_LIMIT} targets with the most findings` },
  ),
  new_per_day: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), count: Count }), {
    description: 'findings first seen on each UTC day, oldest first, zeros included',
  }),
});
