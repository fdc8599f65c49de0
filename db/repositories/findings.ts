/**
 * Findings: normalized results deduplicated by fingerprint, which job saw which, and the reads
 * behind listing, full-text search and stats. Every method takes the workspace id first.
 */
import type { Knex } from 'knex';
import { errors } from '../../core/errors';
import { findingFingerprint } from '../../core/hashing';
import { decodeCursorValues, DEFAULT_PAGE_SIZE, encodeCursorValues, invalidCursor, MAX_PAGE_SIZE, paginate, type Page, type PageRequest } from '../pagination';

/** A finding as stored, without its generated search vector. */
export interface FindingRow {
  id: string;
  workspace_id: string;
  target_id: string | null;
  technique: string;
  finding_type: string;
  subject: string;
  data: Record<string, unknown>;
  fingerprint: string;
  first_seen_at: Date;
  last_seen_at: Date;
  seen_count: number;
}

/** A finding as one job saw it. */
export type JobFindingRow = FindingRow & { seen_at: Date };

/** A search hit and its relevance (higher is better). */
export type SearchHit = FindingRow & { rank: string };

/** One result of a technique, as the job pipeline reports it. */
export interface FindingInput {
  readonly finding_type: string;
  readonly subject: string;
  /** The full result, replaced by the latest sighting. */
  readonly data: Record<string, unknown>;
  /** The part of the result that identifies it; it enters the fingerprint, `data` does not. */
  readonly stable_data: unknown;
  readonly technique: string;
  readonly target_id: string | null;
}

/** What an upsert did: findings never seen before, and findings seen again. */
export interface UpsertCounts {
  readonly new: number;
  readonly seen_again: number;
}

/** Filters of the findings listing; `from` bounds are inclusive, `to` bounds exclusive. */
export interface FindingFilter {
  readonly finding_type?: string;
  readonly technique?: string;
  readonly target_id?: string;
  readonly job_id?: string;
  readonly first_seen_from?: Date;
  readonly first_seen_to?: Date;
  readonly last_seen_from?: Date;
  readonly last_seen_to?: Date;
}

/** Counts of a workspace's findings. */
export interface FindingStats {
  total: number;
  by_type: { finding_type: string; count: number }[];
  by_technique: { technique: string; count: number }[];
  by_target: { target_id: string | null; target_type: string | null; target_value: string | null; count: number }[];
  new_per_day: { date: string; count: number }[];
}

/** Most targets the stats list; the rest are only in `total`. */
export const STATS_TARGET_LIMIT = 100;

const COLUMNS = ['id', 'workspace_id', 'target_id', 'technique', 'finding_type', 'subject', 'data', 'fingerprint', 'first_seen_at', 'last_seen_at', 'seen_count'];
const QUALIFIED = COLUMNS.map((column) => `findings.${column}`);
const ORDER = { column: 'findings.last_seen_at', idColumn: 'findings.id', timestamp: true } as const;

/*
 * One statement per batch. The findings upsert and the job links run in the same snapshot, so
 * the EXISTS in SET sees the links from before this statement: a job counts once, however often
 * its activity is retried (one attempt after another, as Temporal retries; two attempts of one
 * job upserting at the very same moment could both count). Concurrent jobs each count, as the
 * row lock makes the second read the first's seen_count. Rows are locked in fingerprint order,
 * so overlapping batches cannot deadlock. xmax is 0 only on a row version this statement
 * inserted. A job or target outside the workspace writes nothing.
 *
 * Each link also records what this job saw, for exact diffs between jobs: the job's run (a
 * requeued job's new run replaces what an earlier run saw) and the hash of the data, whose
 * content is kept once per distinct value in finding_versions. The hash is taken over jsonb's
 * normalized text, so equal data always hashes the same.
 */
const UPSERT_SQL = `
WITH params AS (SELECT CAST(? AS uuid) AS workspace_id, CAST(? AS uuid) AS job_id),
input AS (
  SELECT i.*, sha256(convert_to(i.data::text, 'UTF8')) AS data_hash FROM jsonb_to_recordset(CAST(? AS jsonb))
    AS i(fingerprint text, finding_type text, subject text, data jsonb, technique text, target_id uuid)
),
job AS (SELECT j.run_number FROM jobs j, params p WHERE j.id = p.job_id AND j.workspace_id = p.workspace_id),
checks AS (
  SELECT
    EXISTS (SELECT 1 FROM job) AS job_ok,
    NOT EXISTS (
      SELECT 1 FROM input i, params p WHERE i.target_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM targets t WHERE t.id = i.target_id AND t.workspace_id = p.workspace_id)
    ) AS targets_ok
),
upserted AS (
  INSERT INTO findings AS f (workspace_id, target_id, technique, finding_type, subject, data, fingerprint)
  SELECT p.workspace_id, i.target_id, i.technique, i.finding_type, i.subject, i.data, i.fingerprint
  FROM input i, params p, checks c
  WHERE c.job_ok AND c.targets_ok
  ORDER BY i.fingerprint
  ON CONFLICT (workspace_id, fingerprint) DO UPDATE SET
    last_seen_at = GREATEST(f.last_seen_at, EXCLUDED.last_seen_at),
    data = EXCLUDED.data,
    seen_count = f.seen_count + CASE WHEN EXISTS (
      SELECT 1 FROM job_findings jf, params p WHERE jf.job_id = p.job_id AND jf.finding_id = f.id
    ) THEN 0 ELSE 1 END
  RETURNING f.id, f.fingerprint, (f.xmax = 0) AS inserted
),
versions AS (
  INSERT INTO finding_versions (finding_id, workspace_id, data_hash, data)
  SELECT u.id, p.workspace_id, i.data_hash, i.data FROM upserted u JOIN input i ON i.fingerprint = u.fingerprint, params p
  ON CONFLICT (finding_id, data_hash) DO NOTHING
),
linked AS (
  INSERT INTO job_findings (job_id, finding_id, workspace_id, run_number, data_hash)
  SELECT p.job_id, u.id, p.workspace_id, job.run_number, i.data_hash FROM upserted u JOIN input i ON i.fingerprint = u.fingerprint, params p, job
  ON CONFLICT (job_id, finding_id) DO UPDATE SET run_number = EXCLUDED.run_number, data_hash = EXCLUDED.data_hash
)
SELECT c.job_ok, c.targets_ok,
  (SELECT count(*) FROM upserted WHERE inserted)::int AS new,
  (SELECT count(*) FROM upserted WHERE NOT inserted)::int AS seen_again
FROM checks c`;

/**
 * How many of the most recently seen matches are ranked. Ranking every match of a common word
 * in a million findings costs hundreds of milliseconds; investigators look at what is recent,
 * and a narrower query reaches older findings.
 */
export const SEARCH_WINDOW = 500;

/** Shortest query matched as a substring: trigrams need 3 characters to use the index. */
export const MIN_SUBSTRING_LENGTH = 3;

/*
 * Full text over subject and data (whole words, websearch syntax) or a substring of the subject
 * (served by the trigram index), so "exam" finds "mail.example.com". The rank is ts_rank_cd plus,
 * for a substring hit, the share of the subject the query covers (1 when it is the whole
 * subject): as telling as trigram similarity here and far cheaper when most rows match. It is
 * rounded so the cursor compares exactly. Only the SEARCH_WINDOW most recently seen matches are ranked. Bindings: the query, then (substring only) the LIKE
 * pattern and the query's length, the workspace, the query, (substring only) the pattern.
 */
function searchSql(substring: boolean): string {
  const tsquery = "websearch_to_tsquery('simple', ?)";
  const like = "findings.subject ILIKE ? ESCAPE '\\'";
  const bonus = substring ? ` + CASE WHEN ${like} THEN CAST(? AS float8) / char_length(findings.subject) ELSE 0 END` : '';
  const match = substring ? `(findings.search @@ ${tsquery} OR ${like})` : `findings.search @@ ${tsquery}`;
  return `
SELECT * FROM (
  SELECT ${QUALIFIED.join(', ')}, round(CAST(ts_rank_cd(findings.search, ${tsquery})${bonus} AS numeric), 6) AS rank
  FROM (
    SELECT ${QUALIFIED.join(', ')}, findings.search
    FROM findings
    WHERE findings.workspace_id = ? AND ${match}
    ORDER BY findings.last_seen_at DESC, findings.id DESC
    LIMIT ${SEARCH_WINDOW}
  ) findings
) hits`;
}

/*
 * One pass over the workspace's findings counts each (type, technique, target) combination: a
 * plain GROUP BY, which PostgreSQL can split across parallel workers, and which the parameters
 * reach directly, so it plans for the workspace's real size. The few combinations are then
 * rolled up (GROUPING tells the sets apart: 3 = by type, 5 = by technique, 6 = by target,
 * 7 = all). One index range scan counts the days, joined to a dense series so days without
 * findings show 0.
 */
const STATS_SQL = `
WITH combos AS MATERIALIZED (
  SELECT f.finding_type, f.technique, f.target_id, count(*) AS count
  FROM findings f WHERE f.workspace_id = CAST(:workspace AS uuid)
  GROUP BY f.finding_type, f.technique, f.target_id
),
grouped AS MATERIALIZED (
  SELECT GROUPING(finding_type, technique, target_id) AS g, finding_type, technique, target_id, sum(count)::int AS count
  FROM combos
  GROUP BY GROUPING SETS ((finding_type), (technique), (target_id), ())
),
days AS (
  -- UTC days as timestamps without time zone: a series of timestamptz would step in the
  -- session's time zone, where a daylight-saving change at midnight shifts every later day.
  SELECT d AS day
  FROM generate_series(
    CAST(CAST(now() AT TIME ZONE 'UTC' AS date) - (CAST(:days AS int) - 1) AS timestamp),
    CAST(CAST(now() AT TIME ZONE 'UTC' AS date) AS timestamp),
    interval '1 day'
  ) AS d
),
per_day AS (
  SELECT date_trunc('day', f.first_seen_at AT TIME ZONE 'UTC') AS day, count(*)::int AS count
  FROM findings f
  WHERE f.workspace_id = CAST(:workspace AS uuid) AND f.first_seen_at >= ((SELECT min(day) FROM days) AT TIME ZONE 'UTC')
  GROUP BY 1
)
SELECT
  coalesce((SELECT count FROM grouped WHERE g = 7), 0) AS total,
  (SELECT coalesce(json_agg(json_build_object('finding_type', finding_type, 'count', count) ORDER BY count DESC, finding_type), '[]')
    FROM grouped WHERE g = 3) AS by_type,
  (SELECT coalesce(json_agg(json_build_object('technique', technique, 'count', count) ORDER BY count DESC, technique), '[]')
    FROM grouped WHERE g = 5) AS by_technique,
  (SELECT coalesce(json_agg(t ORDER BY t.count DESC, t.target_value), '[]') FROM (
    SELECT gr.target_id, tg.type AS target_type, tg.value AS target_value, gr.count
    FROM grouped gr LEFT JOIN targets tg ON tg.id = gr.target_id AND tg.workspace_id = CAST(:workspace AS uuid)
    WHERE gr.g = 6 ORDER BY gr.count DESC, tg.value LIMIT ${STATS_TARGET_LIMIT}
  ) t) AS by_target,
  (SELECT json_agg(json_build_object('date', to_char(d.day, 'YYYY-MM-DD'), 'count', coalesce(pd.count, 0)) ORDER BY d.day)
    FROM days d LEFT JOIN per_day pd ON pd.day = d.day) AS new_per_day`;

/** Reads and writes findings and their job links. */
export class FindingsRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Records what job `jobId` found, in one statement: new fingerprints become findings, known
   * ones get `last_seen_at` and `data` refreshed and, the first time this job sees them, one
   * more `seen_count`. Each link records the job's run and the data it saw (see job diffs).
   * Repeated items of the batch count once (the last one's data wins).
   * NUL characters, which PostgreSQL text cannot hold (a banner may carry them), are dropped
   * from subject and data; the raw bytes stay in the evidence.
   */
  async upsertMany(workspaceId: string, jobId: string, items: readonly FindingInput[], trx?: Knex.Transaction): Promise<UpsertCounts> {
    if (items.length === 0) return { new: 0, seen_again: 0 };
    const byFingerprint = new Map<string, object>();
    for (const item of items) {
      const subject = withoutNul(item.subject);
      const fingerprint = findingFingerprint({ workspaceId, findingType: item.finding_type, subject, stableData: item.stable_data });
      const { finding_type, technique, target_id } = item;
      byFingerprint.set(fingerprint, { fingerprint, finding_type, subject, data: withoutNul(item.data), technique, target_id });
    }
    const { rows } = await (trx ?? this.db).raw<{ rows: { job_ok: boolean; targets_ok: boolean; new: number; seen_again: number }[] }>(
      UPSERT_SQL,
      [workspaceId, jobId, JSON.stringify([...byFingerprint.values()])],
    );
    const result = rows[0]!;
    if (!result.job_ok) throw errors.notFound('Job');
    if (!result.targets_ok) throw errors.notFound('Target');
    return { new: result.new, seen_again: result.seen_again };
  }

  /** The workspace's findings, most recently seen first. */
  list(workspaceId: string, filter: FindingFilter, page: PageRequest): Promise<Page<FindingRow>> {
    const query = this.db('findings').where('findings.workspace_id', workspaceId).select(QUALIFIED);
    if (filter.finding_type) query.where('findings.finding_type', filter.finding_type);
    if (filter.technique) query.where('findings.technique', filter.technique);
    if (filter.target_id) query.where('findings.target_id', filter.target_id);
    if (filter.job_id) {
      query.whereExists(
        this.db('job_findings')
          .where('job_findings.finding_id', this.db.ref('findings.id'))
          .where({ 'job_findings.job_id': filter.job_id, 'job_findings.workspace_id': workspaceId }),
      );
    }
    if (filter.first_seen_from) query.where('findings.first_seen_at', '>=', filter.first_seen_from);
    if (filter.first_seen_to) query.where('findings.first_seen_at', '<', filter.first_seen_to);
    if (filter.last_seen_from) query.where('findings.last_seen_at', '>=', filter.last_seen_from);
    if (filter.last_seen_to) query.where('findings.last_seen_at', '<', filter.last_seen_to);
    return paginate<FindingRow>(query, page, ORDER);
  }

  /** One finding, if it belongs to the workspace. */
  async get(workspaceId: string, findingId: string, trx?: Knex.Transaction): Promise<FindingRow | undefined> {
    return (await (trx ?? this.db)('findings').where({ workspace_id: workspaceId, id: findingId }).first(COLUMNS)) as FindingRow | undefined;
  }

  /**
   * What job `jobId` saw, most recently seen by it first, even findings other jobs saw too;
   * undefined when the job is not in the workspace.
   */
  async listForJob(workspaceId: string, jobId: string, page: PageRequest): Promise<Page<JobFindingRow> | undefined> {
    const job = await this.db('jobs').where({ workspace_id: workspaceId, id: jobId }).first('id');
    if (!job) return undefined;
    const query = this.db('job_findings')
      .join('findings', 'findings.id', 'job_findings.finding_id')
      .where({ 'job_findings.workspace_id': workspaceId, 'job_findings.job_id': jobId, 'findings.workspace_id': workspaceId })
      .select([...QUALIFIED, 'job_findings.seen_at']);
    return paginate<JobFindingRow>(query, page, { column: 'job_findings.seen_at', idColumn: 'findings.id', timestamp: true });
  }

  /** Findings matching `q` (words, or a substring of 3 characters or more), most relevant first, then most recently seen. */
  async search(workspaceId: string, q: string, page: PageRequest): Promise<Page<SearchHit>> {
    const limit = Math.min(page.limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const length = [...q].length;
    const pattern = `%${escapeLike(q)}%`;
    const substring = length >= MIN_SUBSTRING_LENGTH;
    const bindings: Knex.RawBinding[] = substring ? [q, pattern, length, workspaceId, q, pattern] : [q, workspaceId, q];
    let sql = searchSql(substring);
    if (page.cursor) {
      sql += ' WHERE (hits.rank, hits.last_seen_at, hits.id) < (CAST(? AS numeric), CAST(? AS timestamptz), CAST(? AS uuid))';
      bindings.push(...decodeSearchCursor(page.cursor));
    }
    sql += ' ORDER BY hits.rank DESC, hits.last_seen_at DESC, hits.id DESC LIMIT ?';
    bindings.push(limit + 1);
    const { rows } = await this.db.raw<{ rows: SearchHit[] }>(sql, bindings);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const next = rows.length > limit && last ? encodeSearchCursor(last) : null;
    return { items, next_cursor: next };
  }

  /** Counts by type, technique and target, and new findings per UTC day over the last `days` days. */
  async stats(workspaceId: string, days: number): Promise<FindingStats> {
    const { rows } = await this.db.raw<{ rows: FindingStats[] }>(STATS_SQL, { workspace: workspaceId, days });
    return rows[0]!;
  }
}

/** `value` with every NUL character removed from its strings and keys, at any depth. */
function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '') as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [withoutNul(key), withoutNul(inner)])) as T;
  }
  return value;
}

/** `value` with LIKE's wildcards and escape character taken literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RANK = /^\d{1,12}(\.\d{1,6})?$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function encodeSearchCursor(hit: SearchHit): string {
  return encodeCursorValues([hit.rank, hit.last_seen_at.toISOString(), hit.id]);
}

function decodeSearchCursor(cursor: string): [string, Date, string] {
  const invalid = invalidCursor;
  const [rank, seen, id] = decodeCursorValues(cursor, 3);
  if (typeof rank !== 'string' || !RANK.test(rank)) throw invalid();
  if (typeof seen !== 'string' || !ISO.test(seen) || Number.isNaN(Date.parse(seen))) throw invalid();
  if (typeof id !== 'string' || !UUID.test(id)) throw invalid();
  return [rank, new Date(seen), id];
}
