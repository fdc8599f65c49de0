import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { findingFingerprint } from '../../../core/hashing';
import { createKnex } from '../../../db/knex';
import { FindingsRepository } from '../../../db/repositories/findings';
import { startTestApi, type TestApi } from '../../helpers/api';
import { callAs, createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';
import {
  findingIdBySubject,
  findingInput,
  insertFindings,
  insertJob,
  insertTarget,
  setFindingTimes,
  type TargetFixture,
} from '../../helpers/factories';

type ErrorBody = { error: { code: string; message: string; details: { fields?: { field: string; message: string }[] } | null } };
type FindingBody = {
  id: string;
  target_id: string | null;
  technique: string;
  finding_type: string;
  subject: string;
  data: Record<string, unknown>;
  fingerprint: string;
  first_seen_at: string;
  last_seen_at: string;
  seen_count: number;
};
type Page<T> = { items: T[]; next_cursor: string | null };
type Stats = {
  total: number;
  days: number;
  by_type: { finding_type: string; count: number }[];
  by_technique: { technique: string; count: number }[];
  by_target: { target_id: string | null; target_type: string | null; target_value: string | null; count: number }[];
  new_per_day: { date: string; count: number }[];
};

const fieldsOf = (body: unknown) => ((body as ErrorBody).error.details?.fields ?? []).map((field) => field.field).sort();
const FINDING_KEYS = ['data', 'finding_type', 'fingerprint', 'first_seen_at', 'id', 'last_seen_at', 'seen_count', 'subject', 'target_id', 'technique'];
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const DAY = 24 * 60 * 60 * 1000;

describe('findings', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  let cast: WorkspaceCast;
  let outsider: WorkspaceCast;
  let target: TargetFixture;
  let jobA: string;
  let jobB: string;
  let outsiderJob: string;
  const base = (workspaceId = cast.workspaceId) => `/workspaces/${workspaceId}`;
  const knex = () => clients().knex;
  const subjects = (page: Page<FindingBody>) => page.items.map((item) => item.subject);

  before(async () => {
    api = await startTestApi(clients());
  });
  beforeEach(async () => {
    [cast, outsider] = await Promise.all([createWorkspaceCast(api.url, 'case'), createWorkspaceCast(api.url, 'other')]);
    target = await insertTarget(knex(), cast.workspaceId, { value: 'example.com' });
    jobA = (await insertJob(knex(), cast.workspaceId, target.id)).id;
    jobB = (await insertJob(knex(), cast.workspaceId, target.id, { technique: 'whois_lookup' })).id;
    const outsiderTarget = await insertTarget(knex(), outsider.workspaceId, { value: 'secret-case.example' });
    outsiderJob = (await insertJob(knex(), outsider.workspaceId, outsiderTarget.id)).id;
    await insertFindings(knex(), outsider.workspaceId, outsiderJob, [
      findingInput({ subject: 'secret-case.example', data: { address: '10.9.8.7' }, target_id: outsiderTarget.id }),
    ]);
  });
  after(async () => api.close());

  /** Three findings: two DNS records seen by job A (one also by job B), one WHOIS record seen by job B. */
  async function seedFindings(): Promise<void> {
    await insertFindings(knex(), cast.workspaceId, jobA, [
      findingInput({ subject: 'mail.example.com', finding_type: 'dns_record', data: { type: 'MX', priority: 10 }, stable_data: { type: 'MX' }, target_id: target.id }),
      findingInput({ subject: 'example.com', finding_type: 'dns_record', data: { type: 'A', address: '93.184.216.34' }, stable_data: { type: 'A' }, target_id: target.id }),
    ]);
    await sleep(5);
    await insertFindings(knex(), cast.workspaceId, jobB, [
      findingInput({ subject: 'example.com', finding_type: 'dns_record', data: { type: 'A', address: '93.184.216.34' }, stable_data: { type: 'A' }, target_id: target.id }),
      findingInput({ subject: 'example.com', finding_type: 'whois_record', technique: 'whois_lookup', data: { registrar: 'Example Registrar' }, target_id: target.id }),
    ]);
  }

  describe('upserting findings by fingerprint', () => {
    it('keeps one row per fingerprint, counts each job that saw it once, and lists it for both jobs', async () => {
      const input = findingInput({ subject: 'example.com', data: { address: '93.184.216.34' }, stable_data: { type: 'A' } });
      assert.deepEqual(await insertFindings(knex(), cast.workspaceId, jobA, [input]), { new: 1, seen_again: 0 });
      assert.deepEqual(await insertFindings(knex(), cast.workspaceId, jobB, [input]), { new: 0, seen_again: 1 });

      const rows = await knex()('findings').where({ workspace_id: cast.workspaceId });
      assert.equal(rows.length, 1);
      assert.equal(rows[0].seen_count, 2);
      const fingerprint = findingFingerprint({ workspaceId: cast.workspaceId, findingType: 'dns_record', subject: 'example.com', stableData: { type: 'A' } });
      assert.equal(rows[0].fingerprint, fingerprint);
      for (const job of [jobA, jobB]) {
        const listed = await cast.viewer.call<Page<FindingBody>>('GET', `${base()}/jobs/${job}/findings`);
        assert.deepEqual(listed.body.items.map((item) => item.id), [rows[0].id]);
      }
    });

    it('changes nothing but last_seen_at when the same job reports the same finding again', async () => {
      const input = findingInput({ subject: 'example.com', data: { address: '93.184.216.34' }, stable_data: { type: 'A' } });
      await insertFindings(knex(), cast.workspaceId, jobA, [input]);
      const before = await knex()('findings').where({ workspace_id: cast.workspaceId }).first();
      await sleep(5);
      assert.deepEqual(await insertFindings(knex(), cast.workspaceId, jobA, [input]), { new: 0, seen_again: 1 });

      const after = await knex()('findings').where({ workspace_id: cast.workspaceId }).first();
      assert.ok(after.last_seen_at > before.last_seen_at);
      const { last_seen_at: _before, search: _s1, ...unchangedBefore } = before;
      const { last_seen_at: _after, search: _s2, ...unchangedAfter } = after;
      assert.deepEqual(unchangedAfter, unchangedBefore);
      assert.equal(await knex()('job_findings').where({ job_id: jobA }).count('* as count').first().then((row) => Number(row!.count)), 1);
    });

    it('refreshes data when only unstable parts change, and makes a new finding when stable data changes', async () => {
      await insertFindings(knex(), cast.workspaceId, jobA, [findingInput({ subject: 'example.com', data: { ttl: 300 }, stable_data: { type: 'A' } })]);
      const counts = await insertFindings(knex(), cast.workspaceId, jobB, [
        findingInput({ subject: 'example.com', data: { ttl: 60 }, stable_data: { type: 'A' } }),
        findingInput({ subject: 'example.com', data: { ttl: 60 }, stable_data: { type: 'AAAA' } }),
      ]);
      assert.deepEqual(counts, { new: 1, seen_again: 1 });
      const rows = await knex()('findings').where({ workspace_id: cast.workspaceId }).orderBy('seen_count', 'desc');
      assert.deepEqual(rows.map((row) => [row.data, row.seen_count]), [[{ ttl: 60 }, 2], [{ ttl: 60 }, 1]]);
    });

    it('counts a finding repeated within one batch once', async () => {
      const input = findingInput({ subject: 'example.com' });
      assert.deepEqual(await insertFindings(knex(), cast.workspaceId, jobA, [input, input, input]), { new: 1, seen_again: 0 });
      assert.equal((await knex()('findings').where({ workspace_id: cast.workspaceId }).first()).seen_count, 1);
    });

    it('counts every job when many jobs report the same finding at once', async () => {
      const jobs = await Promise.all(Array.from({ length: 6 }, () => insertJob(knex(), cast.workspaceId, target.id)));
      const inputs = [findingInput({ subject: 'b.example.com' }), findingInput({ subject: 'a.example.com' })];
      const results = await Promise.all(
        jobs.map((job, index) => insertFindings(knex(), cast.workspaceId, job.id, index % 2 ? inputs : [...inputs].reverse())),
      );
      assert.equal(results.reduce((sum, result) => sum + result.new, 0), 2);
      const rows = await knex()('findings').where({ workspace_id: cast.workspaceId });
      assert.deepEqual(rows.map((row) => row.seen_count), [6, 6]);
      assert.equal(await knex()('job_findings').where({ workspace_id: cast.workspaceId }).count('* as count').first().then((row) => Number(row!.count)), 12);
    });

    it('drops NUL characters, which PostgreSQL text cannot hold, from subject and data', async () => {
      await insertFindings(knex(), cast.workspaceId, jobA, [findingInput({ subject: 'host\u0000.example', data: { banner: 'SSH-2.0\u0000\u0000x', 'k\u0000': ['a\u0000'] } })]);
      const row = await knex()('findings').where({ workspace_id: cast.workspaceId }).first();
      assert.equal(row.subject, 'host.example');
      assert.deepEqual(row.data, { banner: 'SSH-2.0x', k: ['a'] });
    });

    it('refuses a job or a target of another workspace and writes nothing', async () => {
      const repository = new FindingsRepository(knex());
      await assert.rejects(repository.upsertMany(cast.workspaceId, outsiderJob, [findingInput({ subject: 'x.example' })]), { status: 404, message: 'Job not found' });
      const foreignTarget = await knex()('targets').where({ workspace_id: outsider.workspaceId }).first('id');
      await assert.rejects(
        repository.upsertMany(cast.workspaceId, jobA, [findingInput({ subject: 'x.example', target_id: foreignTarget.id })]),
        { status: 404, message: 'Target not found' },
      );
      assert.equal((await knex()('findings').where({ workspace_id: cast.workspaceId })).length, 0);
      assert.equal((await knex()('job_findings').where({ workspace_id: cast.workspaceId })).length, 0);
    });
  });

  describe('GET /workspaces/{workspace_id}/findings', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', `${base()}/findings`);
      assert.equal(response.status, 401);
    });

    it('answers 422 naming each bad filter', async () => {
      const response = await cast.viewer.call('GET', `${base()}/findings?target_id=nope&first_seen_from=yesterday&technique=ping&limit=0&colour=red`);
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['query.colour', 'query.first_seen_from', 'query.limit', 'query.target_id', 'query.technique']);
    });

    it('answers 404 to a non-member, with nothing of the workspace in the body', async () => {
      await seedFindings();
      const response = await outsider.admin.call('GET', `${base()}/findings`);
      assert.equal(response.status, 404);
      assert.ok(!JSON.stringify(response.body).includes('example.com'));
      const own = await outsider.admin.call<Page<FindingBody>>('GET', `${base(outsider.workspaceId)}/findings`);
      assert.deepEqual(subjects(own.body), ['secret-case.example']);
    });

    it('answers a VIEWER with the findings, most recently seen first', async () => {
      await seedFindings();
      const response = await cast.viewer.call<Page<FindingBody>>('GET', `${base()}/findings`);
      assert.equal(response.status, 200);
      assert.equal(response.body.next_cursor, null);
      assert.equal(response.body.items.length, 3);
      for (const item of response.body.items) assert.deepEqual(Object.keys(item).sort(), FINDING_KEYS);
      const seen = response.body.items.map((item) => Date.parse(item.last_seen_at));
      assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
      assert.equal(response.body.items.at(-1)!.subject, 'mail.example.com');
      const shared = response.body.items.find((item) => item.finding_type === 'dns_record' && item.subject === 'example.com')!;
      assert.deepEqual(shared.data, { type: 'A', address: '93.184.216.34' });
      assert.equal(shared.seen_count, 2);
      assert.equal(shared.target_id, target.id);
    });

    it('pages with limit and cursor without gaps or repeats', async () => {
      await insertFindings(knex(), cast.workspaceId, jobA, Array.from({ length: 7 }, (_, index) => findingInput({ subject: `host${index}.example.com` })));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
        const page: { body: Page<FindingBody> } = await cast.viewer.call<Page<FindingBody>>('GET', `${base()}/findings${query}`);
        assert.ok(page.body.items.length <= 3);
        seen.push(...subjects(page.body));
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.equal(seen.length, 7);
      assert.equal(new Set(seen).size, 7);
    });

    it('filters by type, technique, target, job and time', async () => {
      await seedFindings();
      const other = await insertTarget(knex(), cast.workspaceId, { value: 'other.example' });
      await insertFindings(knex(), cast.workspaceId, jobA, [findingInput({ subject: 'other.example', target_id: other.id })]);
      const old = await findingIdBySubject(knex(), cast.workspaceId, 'mail.example.com');
      await setFindingTimes(knex(), old, { first_seen_at: new Date(Date.now() - 10 * DAY), last_seen_at: new Date(Date.now() - 5 * DAY) });
      const list = async (query: string) =>
        subjects((await cast.viewer.call<Page<FindingBody>>('GET', `${base()}/findings?${query}`)).body).sort();
      const weekAgo = new Date(Date.now() - 7 * DAY).toISOString();
      const dayAgo = new Date(Date.now() - DAY).toISOString();

      assert.deepEqual(await list('finding_type=whois_record'), ['example.com']);
      assert.deepEqual(await list('technique=whois_lookup'), ['example.com']);
      assert.deepEqual(await list(`target_id=${other.id}`), ['other.example']);
      assert.deepEqual(await list(`job_id=${jobB}`), ['example.com', 'example.com']);
      assert.deepEqual(await list(`job_id=${outsiderJob}`), []);
      assert.deepEqual(await list(`first_seen_to=${encodeURIComponent(weekAgo)}`), ['mail.example.com']);
      assert.deepEqual(await list(`first_seen_from=${encodeURIComponent(weekAgo)}`), ['example.com', 'example.com', 'other.example']);
      assert.deepEqual(await list(`last_seen_from=${encodeURIComponent(weekAgo)}&last_seen_to=${encodeURIComponent(dayAgo)}`), ['mail.example.com']);
      assert.deepEqual(await list(`finding_type=dns_record&target_id=${target.id}`), ['example.com', 'mail.example.com']);
    });
  });

  describe('GET /workspaces/{workspace_id}/findings/{finding_id}', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', `${base()}/findings/${MISSING_ID}`);
      assert.equal(response.status, 401);
    });

    it('answers 404 to an id that is not a UUID or names no finding', async () => {
      for (const id of ['not-a-uuid', MISSING_ID]) {
        const response = await cast.viewer.call<ErrorBody>('GET', `${base()}/findings/${id}`);
        assert.equal(response.status, 404);
        assert.equal(response.body.error.code, 'not_found');
      }
    });

    it("answers 404 for another workspace's finding, whichever workspace the path names", async () => {
      const secret = await findingIdBySubject(knex(), outsider.workspaceId, 'secret-case.example');
      for (const workspaceId of [cast.workspaceId, outsider.workspaceId]) {
        const response = await cast.admin.call('GET', `${base(workspaceId)}/findings/${secret}`);
        assert.equal(response.status, 404);
        assert.ok(!JSON.stringify(response.body).includes('secret-case'));
      }
    });

    it('answers a VIEWER with the finding', async () => {
      await seedFindings();
      const id = await findingIdBySubject(knex(), cast.workspaceId, 'mail.example.com');
      const response = await cast.viewer.call<FindingBody>('GET', `${base()}/findings/${id}`);
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(response.body).sort(), FINDING_KEYS);
      assert.deepEqual(
        { ...response.body, first_seen_at: undefined, last_seen_at: undefined },
        {
          id,
          target_id: target.id,
          technique: 'dns_lookup',
          finding_type: 'dns_record',
          subject: 'mail.example.com',
          data: { type: 'MX', priority: 10 },
          fingerprint: findingFingerprint({ workspaceId: cast.workspaceId, findingType: 'dns_record', subject: 'mail.example.com', stableData: { type: 'MX' } }),
          first_seen_at: undefined,
          last_seen_at: undefined,
          seen_count: 1,
        },
      );
    });
  });

  describe('GET /workspaces/{workspace_id}/findings/search', () => {
    const search = (q: string, extra = '') => cast.viewer.call<Page<FindingBody & { rank: number }>>('GET', `${base()}/findings/search?q=${encodeURIComponent(q)}${extra}`);

    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', `${base()}/findings/search?q=example`);
      assert.equal(response.status, 401);
    });

    it('answers 422 naming query.q when it is missing, empty, blank, too long or holds control characters', async () => {
      for (const query of ['', '?q=', '?q=%20%20', `?q=${'a'.repeat(201)}`, '?q=exa%00mple', '?q=line%0Abreak', '?q=%7F', '?q=%C2%85']) {
        const response = await cast.viewer.call('GET', `${base()}/findings/search${query}`);
        assert.equal(response.status, 422, query);
        assert.deepEqual(fieldsOf(response.body), ['query.q'], query);
      }
    });

    it('answers 404 to a non-member, with nothing of the workspace in the body', async () => {
      await seedFindings();
      const response = await outsider.admin.call('GET', `${base()}/findings/search?q=example`);
      assert.equal(response.status, 404);
      assert.ok(!JSON.stringify(response.body).includes('example.com'));
    });

    it('ranks a whole-word match of the subject above partial matches and data matches', async () => {
      await seedFindings();
      await insertFindings(knex(), cast.workspaceId, jobA, [findingInput({ subject: 'ns1.other.net', data: { note: 'example nameserver' } })]);
      const dnsRecord = await knex()('findings').where({ workspace_id: cast.workspaceId, subject: 'example.com', finding_type: 'dns_record' }).first('id');
      await setFindingTimes(knex(), dnsRecord.id, { last_seen_at: new Date(Date.now() - DAY) });
      const response = await search('example.com');
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(response.body.items[0]!).sort(), [...FINDING_KEYS, 'rank'].sort());
      assert.deepEqual(subjects(response.body), ['example.com', 'example.com', 'mail.example.com']);
      const ranks = response.body.items.map((item) => item.rank);
      assert.ok(ranks[1]! > ranks[2]!, `ranks ${ranks}`);
      // Equal ranks fall back to recency: the WHOIS record was seen more recently.
      assert.equal(response.body.items[0]!.finding_type, 'whois_record');

      const words = await search('example');
      assert.deepEqual(subjects(words.body).sort(), ['example.com', 'example.com', 'mail.example.com', 'ns1.other.net']);
    });

    it('matches part of a word in the subject, and words of the data', async () => {
      await seedFindings();
      assert.deepEqual(subjects((await search('mail.exa')).body), ['mail.example.com']);
      assert.deepEqual(subjects((await search('EXAMPLE.C')).body).sort(), ['example.com', 'example.com', 'mail.example.com']);
      assert.deepEqual(subjects((await search('registrar')).body), ['example.com']);
      assert.deepEqual(subjects((await search('93.184.216.34')).body), ['example.com']);
      assert.deepEqual(subjects((await search('nothing-like-this')).body), []);
    });

    it('takes %, _ and \\ literally in substrings of 3 characters or more, and words alone below that', async () => {
      await insertFindings(knex(), cast.workspaceId, jobA, [
        findingInput({ subject: '100%_sure' }),
        findingInput({ subject: 'back\\slash' }),
        findingInput({ subject: 'xyz.example' }),
        findingInput({ subject: 'ab', data: { note: 'x' } }),
      ]);
      assert.deepEqual(subjects((await search('%_s')).body), ['100%_sure']);
      assert.deepEqual(subjects((await search('%%%')).body), []);
      assert.deepEqual(subjects((await search('_._')).body), []);
      assert.deepEqual(subjects((await search('k\\s')).body), ['back\\slash']);
      for (const short of ['%', '_', '\\', 'a', 'xy']) assert.deepEqual(subjects((await search(short)).body), [], short);
      assert.deepEqual(subjects((await search('ab')).body), ['ab']);
      assert.deepEqual(subjects((await search('x')).body), ['ab']);
    });

    it('pages through every hit once, best first', async () => {
      await insertFindings(knex(), cast.workspaceId, jobA, Array.from({ length: 5 }, (_, index) => findingInput({ subject: `host${index}.example.com` })));
      const all = (await search('example')).body;
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: Page<FindingBody> } = await search('example', `&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        paged.push(...page.body.items.map((item) => item.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.deepEqual(paged, all.items.map((item) => item.id));
      assert.equal(paged.length, 5);
    });

    it("never returns another workspace's findings", async () => {
      const response = await search('secret-case');
      assert.equal(response.status, 200);
      assert.deepEqual(response.body.items, []);
    });
  });

  describe('GET /workspaces/{workspace_id}/findings/stats', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', `${base()}/findings/stats`);
      assert.equal(response.status, 401);
    });

    it('answers 422 naming query.days outside 1–365', async () => {
      for (const days of ['0', '366', 'abc', '1.5']) {
        const response = await cast.viewer.call('GET', `${base()}/findings/stats?days=${days}`);
        assert.equal(response.status, 422, days);
        assert.deepEqual(fieldsOf(response.body), ['query.days']);
      }
    });

    it('answers 404 to a non-member, with nothing of the workspace in the body', async () => {
      await seedFindings();
      const response = await outsider.admin.call('GET', `${base()}/findings/stats`);
      assert.equal(response.status, 404);
      assert.ok(!JSON.stringify(response.body).includes('example.com'));
    });

    it('counts by type, technique and target, and new findings per UTC day', async () => {
      await seedFindings();
      const other = await insertTarget(knex(), cast.workspaceId, { type: 'email', value: 'admin@other.example' });
      await insertFindings(knex(), cast.workspaceId, jobA, [findingInput({ subject: 'other.example', target_id: other.id, finding_type: 'mx_host' })]);
      await setFindingTimes(knex(), await findingIdBySubject(knex(), cast.workspaceId, 'mail.example.com'), { first_seen_at: new Date(Date.now() - 2 * DAY) });
      await setFindingTimes(knex(), await findingIdBySubject(knex(), cast.workspaceId, 'other.example'), { first_seen_at: new Date(Date.now() - 40 * DAY) });

      const response = await cast.viewer.call<Stats>('GET', `${base()}/findings/stats`);
      assert.equal(response.status, 200);
      const stats = response.body;
      assert.equal(stats.total, 4);
      assert.equal(stats.days, 30);
      assert.deepEqual(stats.by_type, [
        { finding_type: 'dns_record', count: 2 },
        { finding_type: 'mx_host', count: 1 },
        { finding_type: 'whois_record', count: 1 },
      ]);
      assert.deepEqual(stats.by_technique, [{ technique: 'dns_lookup', count: 3 }, { technique: 'whois_lookup', count: 1 }]);
      assert.deepEqual(stats.by_target, [
        { target_id: target.id, target_type: 'domain', target_value: 'example.com', count: 3 },
        { target_id: other.id, target_type: 'email', target_value: 'admin@other.example', count: 1 },
      ]);
      assert.equal(stats.new_per_day.length, 30);
      const today = new Date().toISOString().slice(0, 10);
      const twoDaysAgo = new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10);
      assert.equal(stats.new_per_day.at(-1)!.date, today);
      assert.equal(stats.new_per_day.find((day) => day.date === today)!.count, 2);
      assert.equal(stats.new_per_day.find((day) => day.date === twoDaysAgo)!.count, 1);
      assert.equal(stats.new_per_day.reduce((sum, day) => sum + day.count, 0), 3);

      const week = await cast.viewer.call<Stats>('GET', `${base()}/findings/stats?days=7`);
      assert.equal(week.body.new_per_day.length, 7);
      assert.equal(week.body.new_per_day[0]!.date, new Date(Date.now() - 6 * DAY).toISOString().slice(0, 10));
    });

    it('counts new findings per UTC day whatever the database session time zone, across a daylight-saving change at midnight', async () => {
      await seedFindings();
      await setFindingTimes(knex(), await findingIdBySubject(knex(), cast.workspaceId, 'mail.example.com'), { first_seen_at: new Date(Date.now() - DAY) });
      // Chile moves its clocks at midnight, and a year always holds one such change.
      const url = new URL(clients().config.database.url);
      url.searchParams.set('options', '-c timezone=America/Santiago');
      const chile = createKnex({ ...clients().config.database, url: url.toString(), poolMax: 1 });
      try {
        const stats = await new FindingsRepository(chile).stats(cast.workspaceId, 365);
        const yesterday = new Date(Date.now() - DAY).toISOString().slice(0, 10);
        assert.equal(stats.new_per_day.length, 365);
        assert.equal(stats.new_per_day.at(-1)!.date, new Date().toISOString().slice(0, 10));
        assert.equal(stats.new_per_day.find((day) => day.date === yesterday)?.count, 1);
        assert.equal(stats.new_per_day.reduce((sum, day) => sum + day.count, 0), 3);
      } finally {
        await chile.destroy();
      }
    });

    it('answers zeros for a workspace without findings', async () => {
      const response = await cast.viewer.call<Stats>('GET', `${base()}/findings/stats?days=1`);
      assert.deepEqual(response.body, {
        total: 0,
        days: 1,
        by_type: [],
        by_technique: [],
        by_target: [],
        new_per_day: [{ date: new Date().toISOString().slice(0, 10), count: 0 }],
      });
    });
  });

  describe('GET /workspaces/{workspace_id}/jobs/{job_id}/findings', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', `${base()}/jobs/${jobA}/findings`);
      assert.equal(response.status, 401);
    });

    it('answers 422 naming query.limit when it is out of range', async () => {
      const response = await cast.viewer.call('GET', `${base()}/jobs/${jobA}/findings?limit=201`);
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['query.limit']);
    });

    it('answers 404 for a job of another workspace, or a job that does not exist', async () => {
      for (const path of [`${base()}/jobs/${outsiderJob}/findings`, `${base(outsider.workspaceId)}/jobs/${outsiderJob}/findings`, `${base()}/jobs/${MISSING_ID}/findings`]) {
        const response = await cast.admin.call('GET', path);
        assert.equal(response.status, 404, path);
        assert.ok(!JSON.stringify(response.body).includes('secret-case'));
      }
    });

    it('lists what each job saw, including findings other jobs saw too', async () => {
      await seedFindings();
      const a = await cast.viewer.call<Page<FindingBody & { seen_at: string }>>('GET', `${base()}/jobs/${jobA}/findings`);
      const b = await cast.viewer.call<Page<FindingBody & { seen_at: string }>>('GET', `${base()}/jobs/${jobB}/findings`);
      assert.equal(a.status, 200);
      assert.deepEqual(Object.keys(a.body.items[0]!).sort(), [...FINDING_KEYS, 'seen_at'].sort());
      assert.deepEqual(a.body.items.map((item) => `${item.finding_type}:${item.subject}`).sort(), ['dns_record:example.com', 'dns_record:mail.example.com']);
      assert.deepEqual(b.body.items.map((item) => `${item.finding_type}:${item.subject}`).sort(), ['dns_record:example.com', 'whois_record:example.com']);
      const sharedInA = a.body.items.find((item) => item.subject === 'example.com')!;
      const sharedInB = b.body.items.find((item) => item.finding_type === 'dns_record')!;
      assert.equal(sharedInA.id, sharedInB.id);
      assert.ok(Date.parse(sharedInA.seen_at) < Date.parse(sharedInB.seen_at));
    });

    it('answers an empty page for a job of the workspace that found nothing', async () => {
      const response = await cast.viewer.call<Page<FindingBody>>('GET', `${base()}/jobs/${jobA}/findings`);
      assert.deepEqual(response.body, { items: [], next_cursor: null });
    });
  });
});
