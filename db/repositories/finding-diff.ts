/**
 * What changed between two jobs: the findings one saw and the other did not, and those both
 * saw with different data. Exact, because each job↔finding link records the run that saw the
 * finding and the data it saw (see findings.upsertMany). Every method takes the workspace id first.
 */
import type { Knex } from 'knex';
import { Job } from '../models/Job';

/** A finding as one side of the diff saw it. */
export interface DiffEntry {
  readonly finding_id: string;
  readonly finding_type: string;
  readonly subject: string;
  readonly fingerprint: string;
  /** The data as that job saw it (the finding itself holds only the latest). */
  readonly data: Record<string, unknown>;
}

/** One finding's subject seen by both jobs with different data. */
export interface ChangedEntry {
  readonly finding_type: string;
  readonly subject: string;
  readonly before: DiffEntry;
  readonly after: DiffEntry;
}

/** Counts of the whole diff, and the first `limit` entries of each list. */
export interface FindingDiff {
  readonly counts: { readonly new: number; readonly gone: number; readonly changed: number; readonly unchanged: number };
  readonly new: DiffEntry[];
  readonly gone: DiffEntry[];
  readonly changed: ChangedEntry[];
}

/** The job and the run whose view is compared. */
export interface DiffSide {
  readonly jobId: string;
  readonly runNumber: number;
}

interface SeenRow {
  job_id: string;
  finding_id: string;
  finding_type: string;
  subject: string;
  fingerprint: string;
  data_hash: string;
  /** What kind of fact it is within its type and subject: a DNS record's type (A, MX, TXT…). */
  kind: string;
}

type Seen = Omit<SeenRow, 'job_id'>;

/** Computes diffs between jobs and finds the job to compare with. */
export class FindingDiffRepository {
  constructor(private readonly db: Knex) {}

  /**
   * The latest SUCCEEDED job of the same target and technique that finished before `job`
   * (ties broken by id), or undefined when `job` is the first.
   */
  async previousJob(workspaceId: string, job: Job, trx?: Knex.Transaction): Promise<Job | undefined> {
    const finishedAt = job.finished_at ?? job.updated_at;
    return Job.query(trx ?? this.db)
      .where({ workspace_id: workspaceId, target_id: job.target_id, technique: job.technique, status: 'SUCCEEDED' })
      .whereNot('id', job.id)
      .whereRaw('(coalesce(finished_at, updated_at), id) < (?, ?)', [finishedAt, job.id])
      .orderByRaw('coalesce(finished_at, updated_at) DESC, id DESC')
      .first();
  }

  /**
   * What `current` saw compared with what `previous` saw (nothing when there is no previous
   * job): new and gone findings, and changed ones. A finding both saw with different data is
   * changed; so is a finding whose identifying data changed while its type and subject stayed,
   * when exactly one finding of that type and subject went and exactly one came (an email
   * verdict that moved, the only A record of a name). When several came and went together,
   * which replaced which is unknowable, so they stay new and gone. Lists are ordered by type,
   * subject and fingerprint, and cut at `limit`; the counts are always whole.
   */
  async diff(workspaceId: string, current: DiffSide, previous: DiffSide | undefined, limit: number, trx?: Knex.Transaction): Promise<FindingDiff> {
    const sides = [current, ...(previous ? [previous] : [])];
    const rows = (await (trx ?? this.db)('job_findings as jf')
      .join('findings as f', 'f.id', 'jf.finding_id')
      .where('jf.workspace_id', workspaceId)
      .where('f.workspace_id', workspaceId)
      .where((query) => {
        for (const side of sides) query.orWhere({ 'jf.job_id': side.jobId, 'jf.run_number': side.runNumber });
      })
      .select(
        'jf.job_id',
        'f.id as finding_id',
        'f.finding_type',
        'f.subject',
        'f.fingerprint',
        this.db.raw("encode(jf.data_hash, 'hex') AS data_hash"),
        this.db.raw("coalesce(f.data->>'record_type', '') AS kind"),
      )) as SeenRow[];

    const now = new Map<string, Seen>();
    const before = new Map<string, Seen>();
    for (const { job_id: jobId, ...seen } of rows) (jobId === current.jobId ? now : before).set(seen.finding_id, seen);

    const added: Seen[] = [];
    const changed: [Seen, Seen][] = [];
    let unchanged = 0;
    for (const seen of now.values()) {
      const old = before.get(seen.finding_id);
      if (!old) added.push(seen);
      else if (old.data_hash !== seen.data_hash) changed.push([old, seen]);
      else unchanged += 1;
    }
    const removed = [...before.values()].filter((seen) => !now.has(seen.finding_id));
    const paired = pairBySubject(added, removed);
    changed.push(...paired.pairs);

    const byKey = (a: Seen, b: Seen) => compare(a.finding_type, b.finding_type) || compare(a.subject, b.subject) || compare(a.fingerprint, b.fingerprint);
    const newEntries = paired.added.sort(byKey).slice(0, limit);
    const goneEntries = paired.removed.sort(byKey).slice(0, limit);
    const changedEntries = changed.sort((a, b) => byKey(a[1], b[1])).slice(0, limit);
    const data = await this.versions(workspaceId, [...newEntries, ...goneEntries, ...changedEntries.flat()], trx);
    const entry = (seen: Seen): DiffEntry => ({
      finding_id: seen.finding_id,
      finding_type: seen.finding_type,
      subject: seen.subject,
      fingerprint: seen.fingerprint,
      data: data.get(`${seen.finding_id}:${seen.data_hash}`) ?? {},
    });
    return {
      counts: { new: paired.added.length, gone: paired.removed.length, changed: changed.length, unchanged },
      new: newEntries.map(entry),
      gone: goneEntries.map(entry),
      changed: changedEntries.map(([old, seen]) => ({ finding_type: seen.finding_type, subject: seen.subject, before: entry(old), after: entry(seen) })),
    };
  }

  /** The data of each (finding, hash) seen, keyed "finding_id:hash". */
  private async versions(workspaceId: string, seen: readonly Seen[], trx?: Knex.Transaction): Promise<Map<string, Record<string, unknown>>> {
    if (seen.length === 0) return new Map();
    const { rows } = await (trx ?? this.db).raw<{ rows: { key: string; data: Record<string, unknown> }[] }>(
      `SELECT v.finding_id || ':' || encode(v.data_hash, 'hex') AS key, v.data
       FROM unnest(CAST(? AS uuid[]), CAST(? AS text[])) AS k(finding_id, data_hash)
       JOIN finding_versions v ON v.finding_id = k.finding_id AND v.data_hash = decode(k.data_hash, 'hex')
       WHERE v.workspace_id = ?`,
      [seen.map((item) => item.finding_id), seen.map((item) => item.data_hash), workspaceId],
    );
    return new Map(rows.map((row) => [row.key, row.data]));
  }
}

/**
 * Pairs the one finding that came with the one that went under the same type, subject and kind:
 * a name's only A record that changed address is changed, while an MX record that went and a
 * TXT record that came are one gone and one new.
 */
function pairBySubject(added: Seen[], removed: Seen[]): { added: Seen[]; removed: Seen[]; pairs: [Seen, Seen][] } {
  const key = (seen: Seen) => `${seen.finding_type}\u0000${seen.subject}\u0000${seen.kind}`;
  const group = (items: Seen[]) => {
    const groups = new Map<string, Seen[]>();
    for (const item of items) {
      const members = groups.get(key(item));
      if (members) members.push(item);
      else groups.set(key(item), [item]);
    }
    return groups;
  };
  const came = group(added);
  const went = group(removed);
  const pairs: [Seen, Seen][] = [];
  for (const [subject, arrivals] of came) {
    const departures = went.get(subject);
    if (arrivals.length === 1 && departures?.length === 1) pairs.push([departures[0]!, arrivals[0]!]);
  }
  const paired = new Set(pairs.flatMap(([old, seen]) => [old.finding_id, seen.finding_id]));
  return { added: added.filter((seen) => !paired.has(seen.finding_id)), removed: removed.filter((seen) => !paired.has(seen.finding_id)), pairs };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
