import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestApi, withOfflineTemporalApi, type TestApi } from '../../helpers/api';
import { addTarget, callAs, createWorkspaceCast, type Actor, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

type ErrorBody = { error: { code: string; message: string; details: { fields?: { field: string; message: string }[] } | null } };
type JobBody = Record<string, unknown> & { id: string; status: string; technique: string; target_id: string; params: Record<string, unknown> };
type EventBody = { id: number; job_id: string; from_status: string | null; to_status: string; attempt: number; run_number: number; error: string | null; at: string };
type Page<T> = { items: T[]; next_cursor: string | null };

const fieldsOf = (body: unknown) => ((body as ErrorBody).error.details?.fields ?? []).map((field) => field.field);
const JOB_KEYS = [
  'attempts', 'created_at', 'finished_at', 'id', 'idempotency_key', 'last_error', 'next_retry_at', 'params', 'queued_at',
  'run_number', 'schedule_id', 'started_at', 'status', 'target_id', 'technique', 'temporal_ui_url', 'updated_at', 'workspace_id',
];
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('jobs', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  let cast: WorkspaceCast;
  let outsider: WorkspaceCast;
  let domainId: string;
  let emailId: string;
  let theirDomainId: string;
  const jobsPath = (workspaceId = cast.workspaceId) => `/workspaces/${workspaceId}/jobs`;
  const createJob = (actor: Actor, body: Record<string, unknown>, workspaceId = cast.workspaceId) =>
    actor.call<JobBody>('POST', jobsPath(workspaceId), body);
  const countRows = async (table: string, where: Record<string, unknown> = {}) =>
    Number((await clients().knex(table).where(where).count<{ count: string }[]>('* as count'))[0]!.count);

  before(async () => {
    api = await startTestApi(clients());
  });
  beforeEach(async () => {
    [cast, outsider] = await Promise.all([createWorkspaceCast(api.url, 'case'), createWorkspaceCast(api.url, 'other')]);
    domainId = await addTarget(cast.analyst, cast.workspaceId, 'domain', 'example.com');
    emailId = await addTarget(cast.analyst, cast.workspaceId, 'email', 'alice@example.com');
    theirDomainId = await addTarget(outsider.admin, outsider.workspaceId, 'domain', 'secret-case.example');
  });
  after(async () => api.close());

  describe('POST /workspaces/{workspace_id}/jobs', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'POST', jobsPath(), { target_id: domainId, technique: 'dns_lookup' });
      assert.equal(response.status, 401);
    });

    it('answers 422 naming body.target_id, body.technique and any unknown field', async () => {
      const malformed = await createJob(cast.analyst, { target_id: 'example.com', technique: 'ping', priority: 1 });
      assert.equal(malformed.status, 422);
      assert.deepEqual(fieldsOf(malformed.body).sort(), ['body.priority', 'body.target_id', 'body.technique']);
      assert.deepEqual(fieldsOf((await createJob(cast.analyst, {})).body).sort(), ['body.target_id', 'body.technique']);
    });

    const mismatches: [string, 'domain' | 'email', RegExp][] = [
      ['email_verify', 'domain', /email_verify does not apply to domain targets, only to email targets/],
      ['port_scan', 'email', /port_scan does not apply to email targets, only to domain targets/],
    ];
    for (const [technique, type, message] of mismatches) {
      it(`answers 422 naming body.technique for ${technique} against ${type === 'email' ? 'an' : 'a'} ${type} target, and creates no job`, async () => {
        const response = await createJob(cast.analyst, { target_id: type === 'domain' ? domainId : emailId, technique });
        assert.equal(response.status, 422);
        const fields = (response.body as unknown as ErrorBody).error.details!.fields!;
        assert.deepEqual(fields.map((field) => field.field), ['body.technique']);
        assert.match(fields[0]!.message, message);
        assert.equal(await countRows('jobs'), 0);
      });
    }

    const badParams: [string, unknown, string[]][] = [
      ['dns_lookup', { record_types: ['A', 'PTR'] }, ['body.params.record_types.1']],
      ['dns_lookup', { record_types: [] }, ['body.params.record_types']],
      ['dns_lookup', { recordTypes: ['A'] }, ['body.params.recordTypes']],
      ['whois_lookup', { follow_referrals: 'yes' }, ['body.params.follow_referrals']],
      ['email_verify', { smtp_probe: 1, catch_all: true }, ['body.params.catch_all', 'body.params.smtp_probe']],
      ['port_scan', { ports: [70000] }, ['body.params.ports.0']],
      ['port_scan', { ports: ['9000-8000'] }, ['body.params.ports']],
      ['port_scan', { ports: ['0-80'] }, ['body.params.ports']],
      ['port_scan', { ports: ['1-99999'] }, ['body.params.ports']],
      ['port_scan', { ports: ['80,443'] }, ['body.params.ports.0']],
      ['port_scan', { timeout_ms: 10, preset: 'everything' }, ['body.params.preset', 'body.params.timeout_ms']],
      ['port_scan', [], ['body.params']],
    ];
    for (const [technique, params, fields] of badParams) {
      it(`answers 422 naming ${fields.join(', ')} for ${technique} params ${JSON.stringify(params)}, and creates no job`, async () => {
        const target_id = technique === 'email_verify' ? emailId : domainId;
        const response = await createJob(cast.analyst, { target_id, technique, params });
        assert.equal(response.status, 422);
        assert.deepEqual(fieldsOf(response.body).sort(), fields);
        assert.equal(await countRows('jobs'), 0);
      });
    }

    it('names the bad port range in the message', async () => {
      const response = await createJob(cast.analyst, { target_id: domainId, technique: 'port_scan', params: { ports: [22, '9000-8000'] } });
      assert.match((response.body as unknown as ErrorBody).error.message, /body\.params\.ports: invalid port range "9000-8000"/);
    });

    it('answers 404 "Target not found" for a target of another workspace, with none of its data', async () => {
      const response = await createJob(cast.analyst, { target_id: theirDomainId, technique: 'dns_lookup' });
      assert.equal(response.status, 404);
      assert.deepEqual(response.body, { error: { code: 'not_found', message: 'Target not found', details: null } });
      assert.equal(await countRows('jobs'), 0);
    });

    it('answers 404 to a member of another workspace', async () => {
      const response = await createJob(outsider.admin, { target_id: domainId, technique: 'dns_lookup' });
      assert.equal(response.status, 404);
      assert.equal((response.body as unknown as ErrorBody).error.message, 'Workspace not found');
    });

    it('answers 403 to a VIEWER', async () => {
      const response = await createJob(cast.viewer, { target_id: domainId, technique: 'dns_lookup' });
      assert.equal(response.status, 403);
      assert.equal(await countRows('jobs'), 0);
    });

    it('creates a job in CREATED with 201 and answers every column with a Temporal Web UI link', async () => {
      const response = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup', params: { record_types: ['MX', 'A'] } });
      assert.equal(response.status, 201);
      const job = response.body;
      assert.deepEqual(Object.keys(job).sort(), JOB_KEYS);
      const { temporal } = clients().config;
      const key = createHash('sha256').update(`${cast.workspaceId}${domainId}dns_lookup{"record_types":["MX","A"]}v1`).digest('hex');
      assert.deepEqual(
        { ...job, created_at: undefined, updated_at: undefined },
        {
          id: job.id, workspace_id: cast.workspaceId, target_id: domainId, schedule_id: null, technique: 'dns_lookup',
          params: { record_types: ['MX', 'A'] }, status: 'CREATED', idempotency_key: key, attempts: 0, run_number: 1,
          last_error: null, next_retry_at: null, queued_at: null, started_at: null, finished_at: null,
          temporal_ui_url: `${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows/${job.id}`,
          created_at: undefined, updated_at: undefined,
        },
      );
      assert.ok(!Number.isNaN(Date.parse(job.created_at as string)));
      assert.ok(!Number.isNaN(Date.parse(job.updated_at as string)));
    });

    it('accepts each technique on the target types it applies to, and a port list covering all 65535 ports', async () => {
      assert.equal((await createJob(cast.analyst, { target_id: emailId, technique: 'dns_lookup' })).status, 201);
      assert.equal((await createJob(cast.analyst, { target_id: emailId, technique: 'whois_lookup', params: { rdap: true } })).status, 201);
      assert.equal((await createJob(cast.analyst, { target_id: emailId, technique: 'email_verify', params: { smtp_probe: false } })).status, 201);
      const everyPort = await createJob(cast.admin, { target_id: domainId, technique: 'port_scan', params: { ports: Array(1000).fill('1-65535') } });
      assert.equal(everyPort.status, 201);
    });

    it('returns the same job with 200 for the same request, whatever the order of param keys', async () => {
      const first = await createJob(cast.analyst, { target_id: domainId, technique: 'port_scan', params: { ports: [80, '8000-8100'], banner_grab: true } });
      const again = await createJob(cast.admin, { params: { banner_grab: true, ports: [80, '8000-8100'] }, technique: 'port_scan', target_id: domainId });
      assert.equal(first.status, 201);
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first.body);
      assert.equal(await countRows('jobs'), 1);
    });

    it('returns the same job for the same request with the workspace and target ids in capitals', async () => {
      const first = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      const again = await createJob(cast.analyst, { target_id: domainId.toUpperCase(), technique: 'dns_lookup' }, cast.workspaceId.toUpperCase());
      assert.deepEqual([first.status, again.status], [201, 200]);
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.body.target_id, domainId);
      assert.equal(await countRows('jobs'), 1);
    });

    it('treats omitted params as {} and different params as a different job', async () => {
      const omitted = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      const empty = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup', params: {} });
      const other = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup', params: { record_types: ['A'] } });
      assert.deepEqual([omitted.status, empty.status, other.status], [201, 200, 201]);
      assert.equal(empty.body.id, omitted.body.id);
      assert.notEqual(other.body.id, omitted.body.id);
      assert.deepEqual(omitted.body.params, {});
    });

    it('writes the first history row and a job.created audit row with the job, and nothing for a repeat', async () => {
      const body = { target_id: domainId, technique: 'whois_lookup', params: { follow_referrals: true } };
      const created = await createJob(cast.analyst, body);
      await createJob(cast.analyst, body);
      const events = await clients().knex('job_events').select('job_id', 'workspace_id', 'from_status', 'to_status', 'attempt', 'run_number', 'error');
      assert.deepEqual(events, [
        { job_id: created.body.id, workspace_id: cast.workspaceId, from_status: null, to_status: 'CREATED', attempt: 0, run_number: 1, error: null },
      ]);
      const audit = await clients().knex('audit_logs').where({ action: 'job.created' });
      assert.equal(audit.length, 1);
      assert.equal(audit[0].workspace_id, cast.workspaceId);
      assert.equal(audit[0].entity_type, 'job');
      assert.equal(audit[0].entity_id, created.body.id);
      assert.equal(audit[0].actor_id, cast.analyst.id);
      assert.deepEqual(audit[0].details, { target_id: domainId, technique: 'whois_lookup' });
    });

    it('creates exactly one job when 50 identical requests arrive at once: one 201, 49 × 200, all the same id', async () => {
      const body = { target_id: domainId, technique: 'port_scan', params: { preset: 'top100', concurrency: 50 } };
      const responses = await Promise.all(Array.from({ length: 50 }, () => createJob(cast.analyst, body)));
      const statuses = responses.map((response) => response.status);
      assert.equal(statuses.filter((status) => status === 201).length, 1);
      assert.equal(statuses.filter((status) => status === 200).length, 49);
      assert.equal(new Set(responses.map((response) => response.body.id)).size, 1);
      assert.equal(await countRows('jobs'), 1);
      assert.equal(await countRows('job_events'), 1);
      assert.equal(await countRows('audit_logs', { action: 'job.created' }), 1);
    });
  });

  describe('GET /workspaces/{workspace_id}/jobs', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'GET', jobsPath())).status, 401);
    });

    it('answers 422 naming each invalid filter and page field', async () => {
      const response = await cast.viewer.call('GET', `${jobsPath()}?status=DONE&technique=ping&target_id=example.com&schedule_id=hourly&limit=500`);
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body).sort(), ['query.limit', 'query.schedule_id', 'query.status', 'query.target_id', 'query.technique']);
      assert.deepEqual(fieldsOf((await cast.viewer.call('GET', `${jobsPath()}?cursor=bm9wZQ`)).body), ['query.cursor']);
    });

    it("answers 404 to a member of another workspace, with none of the workspace's jobs", async () => {
      await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      const response = await outsider.admin.call('GET', jobsPath());
      assert.equal(response.status, 404);
      assert.ok(!JSON.stringify(response.body).includes(domainId));
    });

    it('shows a VIEWER every job of the workspace page by page, newest first, without duplicates or gaps', async () => {
      const created: string[] = [];
      for (let port = 1; port <= 8; port += 1) {
        created.push((await createJob(cast.analyst, { target_id: domainId, technique: 'port_scan', params: { ports: [port] } })).body.id);
      }
      await createJob(outsider.admin, { target_id: theirDomainId, technique: 'dns_lookup' }, outsider.workspaceId);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
        const page: { status: number; body: Page<JobBody> } = await cast.viewer.call<Page<JobBody>>('GET', `${jobsPath()}${query}`);
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 3);
        for (const item of page.body.items) assert.deepEqual(Object.keys(item).sort(), JOB_KEYS);
        seen.push(...page.body.items.map((item) => item.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, [...created].reverse());
    });

    it('filters by status, technique and target, alone and together', async () => {
      const otherDomainId = await addTarget(cast.analyst, cast.workspaceId, 'domain', 'example.org');
      const dnsDomain = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      const dnsEmail = await createJob(cast.analyst, { target_id: emailId, technique: 'dns_lookup' });
      const whoisOther = await createJob(cast.analyst, { target_id: otherDomainId, technique: 'whois_lookup' });
      const scanDomain = await createJob(cast.analyst, { target_id: domainId, technique: 'port_scan' });
      await clients().knex('jobs').whereIn('id', [dnsEmail.body.id, scanDomain.body.id]).update({ status: 'SUCCEEDED' });

      const idsFor = async (query: string) =>
        (await cast.viewer.call<Page<JobBody>>('GET', `${jobsPath()}?${query}`)).body.items.map((item) => item.id).sort();
      const sorted = (...jobs: { body: JobBody }[]) => jobs.map((job) => job.body.id).sort();
      assert.deepEqual(await idsFor('status=SUCCEEDED'), sorted(dnsEmail, scanDomain));
      assert.deepEqual(await idsFor('status=CREATED'), sorted(dnsDomain, whoisOther));
      assert.deepEqual(await idsFor('status=RUNNING'), []);
      assert.deepEqual(await idsFor('technique=dns_lookup'), sorted(dnsDomain, dnsEmail));
      assert.deepEqual(await idsFor(`target_id=${domainId}`), sorted(dnsDomain, scanDomain));
      assert.deepEqual(await idsFor(`target_id=${domainId}&status=SUCCEEDED&technique=port_scan`), sorted(scanDomain));
      assert.deepEqual(await idsFor(`target_id=${theirDomainId}`), []);
    });
  });

  describe('GET /workspaces/{workspace_id}/jobs/{job_id}', () => {
    it('answers 401 without a token', async () => {
      const job = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      assert.equal((await callAs(api.url, undefined, 'GET', `${jobsPath()}/${job.body.id}`)).status, 401);
    });

    it('answers 404 for an id that is not a UUID, as for one that does not exist', async () => {
      assert.equal((await cast.viewer.call('GET', `${jobsPath()}/42`)).status, 404);
      assert.equal((await cast.viewer.call('GET', `${jobsPath()}/${MISSING_ID}`)).status, 404);
    });

    it('answers 404 when the job belongs to another workspace, with none of its data', async () => {
      const theirs = await createJob(outsider.admin, { target_id: theirDomainId, technique: 'dns_lookup' }, outsider.workspaceId);
      const response = await cast.admin.call('GET', `${jobsPath()}/${theirs.body.id}`);
      assert.equal(response.status, 404);
      assert.deepEqual(response.body, { error: { code: 'not_found', message: 'Job not found', details: null } });
    });

    it('shows a VIEWER the job as it was created, with no progress while no attempt runs', async () => {
      const created = await createJob(cast.analyst, { target_id: emailId, technique: 'email_verify', params: { smtp_probe: true } });
      const response = await cast.viewer.call<JobBody>('GET', `${jobsPath()}/${created.body.id}`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { ...created.body, progress: null });
    });

    it('answers with no progress, and no error, for a RUNNING job whose workflow Temporal does not know', async () => {
      const created = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      await clients().knex('jobs').where({ id: created.body.id }).update({ status: 'RUNNING' });
      const response = await cast.viewer.call<JobBody & { progress: unknown }>('GET', `${jobsPath()}/${created.body.id}`);
      assert.equal(response.status, 200);
      assert.deepEqual([response.body.status, response.body.progress], ['RUNNING', null]);
    });
  });

  describe('POST /workspaces/{workspace_id}/jobs/{job_id}/enqueue while Temporal is down', () => {
    it('answers 503 within API_TEMPORAL_TIMEOUT_MS and leaves the job CREATED, with no history row', async () => {
      await withOfflineTemporalApi(async (offlineApi) => {
        const created = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
        const started = Date.now();
        const response = await callAs<{ error: { code: string } }>(offlineApi.url, cast.analyst.token, 'POST', `${jobsPath()}/${created.body.id}/enqueue`);
        assert.ok(Date.now() - started < 5000, `answered after ${Date.now() - started} ms`);
        assert.deepEqual([response.status, response.body.error.code], [503, 'service_unavailable']);
        const job = await clients().knex('jobs').where({ id: created.body.id }).first('status');
        assert.equal(job.status, 'CREATED');
        const events = await clients().knex('job_events').where({ job_id: created.body.id }).pluck('to_status');
        assert.deepEqual(events, ['CREATED']);
      });
    });
  });

  describe('GET /workspaces/{workspace_id}/jobs/{job_id}/events', () => {
    const eventsPath = (jobId: string, query = '') => `${jobsPath()}/${jobId}/events${query}`;

    it('answers 401 without a token', async () => {
      const job = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      assert.equal((await callAs(api.url, undefined, 'GET', eventsPath(job.body.id))).status, 401);
    });

    it('answers 422 naming query.limit and any unknown query field', async () => {
      const job = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      const response = await cast.viewer.call('GET', eventsPath(job.body.id, '?limit=-1&order=asc'));
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body).sort(), ['query.limit', 'query.order']);
    });

    it('answers 404 when the job belongs to another workspace, with none of its history', async () => {
      const theirs = await createJob(outsider.admin, { target_id: theirDomainId, technique: 'dns_lookup' }, outsider.workspaceId);
      const response = await cast.admin.call('GET', eventsPath(theirs.body.id));
      assert.equal(response.status, 404);
      assert.deepEqual(response.body, { error: { code: 'not_found', message: 'Job not found', details: null } });
    });

    it('shows a VIEWER the creation of a new job as its only event', async () => {
      const job = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      const response = await cast.viewer.call<Page<EventBody>>('GET', eventsPath(job.body.id));
      assert.equal(response.status, 200);
      assert.equal(response.body.next_cursor, null);
      const [event] = response.body.items;
      assert.deepEqual({ ...event, id: undefined, at: undefined }, {
        id: undefined, job_id: job.body.id, from_status: null, to_status: 'CREATED', attempt: 0, run_number: 1, error: null, at: undefined,
      });
      assert.equal(typeof event!.id, 'number');
      assert.ok(!Number.isNaN(Date.parse(event!.at)));
    });

    it('pages through the history oldest first, without duplicates or gaps', async () => {
      const job = await createJob(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      const other = await createJob(cast.analyst, { target_id: emailId, technique: 'dns_lookup' });
      const steps: [string, string, number, string | null][] = [
        ['CREATED', 'QUEUED', 0, null], ['QUEUED', 'RUNNING', 1, null], ['RUNNING', 'RETRYING', 1, 'timeout'],
        ['RETRYING', 'RUNNING', 2, null], ['RUNNING', 'SUCCEEDED', 2, null],
      ];
      for (const [from_status, to_status, attempt, error] of steps) {
        await clients().knex('job_events').insert({ job_id: job.body.id, workspace_id: cast.workspaceId, from_status, to_status, attempt, error });
        await clients().knex('job_events').insert({ job_id: other.body.id, workspace_id: cast.workspaceId, from_status, to_status, attempt });
      }
      const seen: EventBody[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
        const page: { status: number; body: Page<EventBody> } = await cast.viewer.call<Page<EventBody>>('GET', eventsPath(job.body.id, query));
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items);
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.deepEqual(seen.map((event) => event.to_status), ['CREATED', 'QUEUED', 'RUNNING', 'RETRYING', 'RUNNING', 'SUCCEEDED']);
      assert.ok(seen.every((event) => event.job_id === job.body.id));
      assert.deepEqual(seen.map((event) => event.id), [...seen.map((event) => event.id)].sort((a, b) => a - b));
      assert.equal(seen[3]!.error, 'timeout');
    });
  });
});
