import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../helpers/api';
import { addTarget, callAs, createWorkspaceCast, type Actor, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';
import { insertJob } from '../../helpers/factories';
import { pollUntil } from '../../helpers/poll';
import { deleteTestSchedules, describeTemporalSchedule, temporalClient } from '../../helpers/schedules';
import { testConfig } from '../../helpers/test-env';
import { SEARCH_ATTRIBUTES } from '../../../core/domain/temporal';

type ErrorBody = { error: { code: string; message: string; details: { fields?: { field: string; message: string }[] } | null } };
type ScheduleBody = Record<string, unknown> & {
  id: string;
  temporal_schedule_id: string;
  paused: boolean;
  note: string | null;
  cron: string | null;
  interval_seconds: number | null;
};
type DetailBody = ScheduleBody & {
  next_firing_times: string[];
  recent_jobs: { id: string; schedule_id: string }[];
  recent_firings: unknown[];
  running_workflow_ids: string[];
  firing_counts: { taken: number; skipped_overlap: number; missed_catchup_window: number };
};
type Page<T> = { items: T[]; next_cursor: string | null };

const fieldsOf = (body: unknown) => ((body as ErrorBody).error.details?.fields ?? []).map((field) => field.field).sort();
const messageOf = (body: unknown) => (body as ErrorBody).error.message;
const SCHEDULE_KEYS = [
  'catchup_window_seconds', 'created_at', 'cron', 'id', 'interval_seconds', 'jitter_seconds', 'note', 'overlap_policy', 'params', 'paused',
  'target_id', 'technique', 'temporal_schedule_id', 'temporal_ui_url', 'timezone', 'updated_at', 'workspace_id',
];
const DETAIL_KEYS = [...SCHEDULE_KEYS, 'firing_counts', 'next_firing_times', 'recent_firings', 'recent_jobs', 'running_workflow_ids'].sort();
const HOURLY = 3600;

/**
 * The schedule endpoints against the real API, Postgres and Temporal dev server, with no worker:
 * what Temporal holds is read back through its client. Firings are in pipeline/schedule-firings.
 */
describe('schedules', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  let cast: WorkspaceCast;
  let outsider: WorkspaceCast;
  let domainId: string;
  let emailId: string;
  let theirDomainId: string;
  const schedulesPath = (workspaceId = cast.workspaceId) => `/workspaces/${workspaceId}/schedules`;
  const create = (actor: Actor, body: Record<string, unknown>, workspaceId = cast.workspaceId) =>
    actor.call<ScheduleBody>('POST', schedulesPath(workspaceId), body);
  const createHourly = async (extra: Record<string, unknown> = {}) => {
    const response = await create(cast.analyst, { target_id: domainId, technique: 'dns_lookup', interval_seconds: HOURLY, ...extra });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  };
  const countRows = async (table: string, where: Record<string, unknown> = {}) =>
    Number((await clients().knex(table).where(where).count<{ count: string }[]>('* as count'))[0]!.count);

  before(async () => {
    // A minimum the tests can go below; firings themselves are tested with second-scale intervals elsewhere.
    api = await startTestApi({ ...clients(), config: testConfig({ SCHEDULE_MIN_INTERVAL_SECONDS: '60' }) });
  });
  beforeEach(async () => {
    [cast, outsider] = await Promise.all([createWorkspaceCast(api.url, 'case'), createWorkspaceCast(api.url, 'other')]);
    domainId = await addTarget(cast.analyst, cast.workspaceId, 'domain', 'example.com');
    emailId = await addTarget(cast.analyst, cast.workspaceId, 'email', 'alice@example.com');
    theirDomainId = await addTarget(outsider.admin, outsider.workspaceId, 'domain', 'secret-case.example');
  });
  afterEach(async () => deleteTestSchedules(clients(), { terminateFirings: true }));
  after(async () => api.close());

  describe('POST /workspaces/{workspace_id}/schedules', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'POST', schedulesPath(), { target_id: domainId, technique: 'dns_lookup', interval_seconds: HOURLY });
      assert.equal(response.status, 401);
    });

    it('answers 422 naming body.target_id, body.technique, an unknown field and a bad overlap policy', async () => {
      const response = await create(cast.analyst, { target_id: 'example.com', technique: 'ping', every: 5, overlap_policy: 'QUEUE', interval_seconds: HOURLY });
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['body.every', 'body.overlap_policy', 'body.target_id', 'body.technique']);
    });

    it('answers 422 naming body.cron when neither cron nor interval is given, and both fields when both are', async () => {
      const neither = await create(cast.analyst, { target_id: domainId, technique: 'dns_lookup' });
      assert.equal(neither.status, 422);
      assert.deepEqual(fieldsOf(neither.body), ['body.cron']);
      const both = await create(cast.analyst, { target_id: domainId, technique: 'dns_lookup', cron: '0 3 * * *', interval_seconds: HOURLY });
      assert.deepEqual(fieldsOf(both.body), ['body.cron', 'body.interval_seconds']);
      assert.equal(await countRows('schedules'), 0);
    });

    const badCrons: [string, RegExp][] = [
      ['61 * * * *', /Minute is not in range/],
      ['every day', /5-7 fields/],
      ['@every 5m', /use interval_seconds/],
      ['CRON_TZ=Europe/Paris 0 3 * * *', /timezone field/],
      ['* * * * * * *', /fires 1 seconds apart; schedules may fire at most every 60 seconds/],
    ];
    for (const [cron, message] of badCrons) {
      it(`answers 422 naming body.cron for ${JSON.stringify(cron)}, and creates nothing`, async () => {
        const response = await create(cast.analyst, { target_id: domainId, technique: 'dns_lookup', cron });
        assert.equal(response.status, 422, JSON.stringify(response.body));
        assert.deepEqual(fieldsOf(response.body), ['body.cron']);
        assert.match(messageOf(response.body), message);
        assert.equal(await countRows('schedules'), 0);
        assert.equal(await countRows('audit_logs', { action: 'schedule.created' }), 0);
      });
    }

    it('answers 422 naming body.interval_seconds below the configured minimum', async () => {
      const response = await create(cast.analyst, { target_id: domainId, technique: 'dns_lookup', interval_seconds: 59 });
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['body.interval_seconds']);
      assert.match(messageOf(response.body), /at least 60 seconds/);
      assert.equal((await create(cast.analyst, { target_id: domainId, technique: 'dns_lookup', interval_seconds: 0 })).status, 422);
    });

    for (const timezone of ['Mars/Olympus', 'europe/paris']) {
      it(`answers 422 naming body.timezone for ${timezone}`, async () => {
        const response = await create(cast.analyst, { target_id: domainId, technique: 'dns_lookup', cron: '0 3 * * *', timezone });
        assert.equal(response.status, 422);
        assert.deepEqual(fieldsOf(response.body), ['body.timezone']);
        assert.match(messageOf(response.body), /unknown time zone/);
      });
    }

    it('answers 422 naming the params and the technique that does not apply, as for jobs', async () => {
      const params = await create(cast.analyst, { target_id: domainId, technique: 'dns_lookup', interval_seconds: HOURLY, params: { record_types: ['PTR'] } });
      assert.deepEqual(fieldsOf(params.body), ['body.params.record_types.0']);
      const mismatch = await create(cast.analyst, { target_id: domainId, technique: 'email_verify', interval_seconds: HOURLY });
      assert.deepEqual(fieldsOf(mismatch.body), ['body.technique']);
    });

    it('answers 404 for a target of another workspace, and to a member of another workspace', async () => {
      const theirTarget = await create(cast.analyst, { target_id: theirDomainId, technique: 'dns_lookup', interval_seconds: HOURLY });
      assert.equal(theirTarget.status, 404);
      assert.equal(messageOf(theirTarget.body), 'Target not found');
      const outside = await create(outsider.admin, { target_id: domainId, technique: 'dns_lookup', interval_seconds: HOURLY });
      assert.equal(outside.status, 404);
      assert.equal(await countRows('schedules'), 0);
    });

    it('answers 403 to a VIEWER', async () => {
      const response = await create(cast.viewer, { target_id: domainId, technique: 'dns_lookup', interval_seconds: HOURLY });
      assert.equal(response.status, 403);
      assert.equal(await countRows('schedules'), 0);
    });

    it('creates the schedule with 201 and the same schedule in Temporal, defaults filled in', async () => {
      const response = await create(cast.analyst, { target_id: emailId, technique: 'email_verify', params: { smtp_probe: false }, cron: '30 6 * * MON-FRI', timezone: 'Europe/Paris' });
      assert.equal(response.status, 201);
      const schedule = response.body;
      assert.deepEqual(Object.keys(schedule).sort(), SCHEDULE_KEYS);
      const { temporal } = clients().config;
      assert.deepEqual(
        { ...schedule, created_at: undefined, updated_at: undefined },
        {
          id: schedule.id, workspace_id: cast.workspaceId, target_id: emailId, technique: 'email_verify', params: { smtp_probe: false },
          cron: '30 6 * * MON-FRI', interval_seconds: null, timezone: 'Europe/Paris', jitter_seconds: 0, overlap_policy: 'SKIP',
          catchup_window_seconds: 300, paused: false, note: null, temporal_schedule_id: `schedule-${schedule.id}`,
          temporal_ui_url: `${temporal.uiUrl}/namespaces/${temporal.namespace}/schedules/schedule-${schedule.id}`,
          created_at: undefined, updated_at: undefined,
        },
      );
      const described = (await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!;
      assert.equal(described.spec.timezone, 'Europe/Paris');
      assert.equal(described.spec.calendars?.length, 1);
      assert.deepEqual(described.policies, { overlap: 'SKIP', catchupWindow: 300000, pauseOnFailure: false });
      assert.equal(described.state.paused, false);
      assert.equal(described.action.workflowType, 'scheduledJobWorkflow');
      assert.equal(described.action.workflowId, schedule.temporal_schedule_id);
      assert.equal(described.action.taskQueue, `${temporal.taskQueue}.general`);
      assert.deepEqual(described.action.args, [{ scheduleId: schedule.id }]);
      assert.deepEqual(described.searchAttributes.OsintWorkspaceId, [cast.workspaceId]);
      // Every firing lands on a weekday at 06:30 in Paris.
      for (const time of described.info.nextActionTimes) {
        const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(time);
        assert.match(paris, /^(Mon|Tue|Wed|Thu|Fri) 06:30$/);
      }
    });

    it('creates an interval schedule paused, with its note, jitter and policies in Temporal, and audits it', async () => {
      const schedule = await createHourly({ paused: true, note: 'waiting for the warrant', jitter_seconds: 30, overlap_policy: 'BUFFER_ONE', catchup_window_seconds: 60 });
      assert.equal(schedule.paused, true);
      assert.equal(schedule.note, 'waiting for the warrant');
      const described = (await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!;
      assert.deepEqual(described.spec.intervals?.map((interval) => interval.every), [HOURLY * 1000]);
      assert.equal(described.spec.jitter, 30000);
      assert.deepEqual(described.state, { paused: true, note: 'waiting for the warrant', remainingActions: undefined });
      assert.equal(described.policies.overlap, 'BUFFER_ONE');
      assert.equal(described.policies.catchupWindow, 60000);
      const audit = await clients().knex('audit_logs').where({ action: 'schedule.created' });
      assert.equal(audit.length, 1);
      assert.deepEqual(
        { ...audit[0], id: undefined, created_at: undefined, ip: undefined },
        {
          id: undefined, created_at: undefined, ip: undefined, workspace_id: cast.workspaceId, actor_id: cast.analyst.id, action: 'schedule.created',
          entity_type: 'schedule', entity_id: schedule.id,
          details: {
            target_id: domainId, technique: 'dns_lookup', cron: null, interval_seconds: HOURLY, timezone: 'UTC', jitter_seconds: 30,
            overlap_policy: 'BUFFER_ONE', catchup_window_seconds: 60, paused: true,
          },
        },
      );
    });
  });

  describe('GET /workspaces/{workspace_id}/schedules and /{schedule_id}', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'GET', schedulesPath())).status, 401);
    });

    it('answers 422 naming bad filters, and 404 for an id that is not a schedule of the workspace', async () => {
      const response = await cast.viewer.call('GET', `${schedulesPath()}?target_id=example.com&limit=0`);
      assert.deepEqual(fieldsOf(response.body), ['query.limit', 'query.target_id']);
      const theirs = await create(outsider.admin, { target_id: theirDomainId, technique: 'dns_lookup', interval_seconds: HOURLY }, outsider.workspaceId);
      const response404 = await cast.admin.call('GET', `${schedulesPath()}/${theirs.body.id}`);
      assert.equal(response404.status, 404);
      assert.equal(messageOf(response404.body), 'Schedule not found');
    });

    it("answers 404 to a member of another workspace, with none of the workspace's schedules", async () => {
      const schedule = await createHourly();
      for (const path of [schedulesPath(), `${schedulesPath()}/${schedule.id}`]) {
        const response = await outsider.admin.call('GET', path);
        assert.equal(response.status, 404);
        assert.ok(!JSON.stringify(response.body).includes(schedule.id));
      }
    });

    it('lists the schedules to a VIEWER page by page, newest first, and filters by target', async () => {
      const otherTarget = await addTarget(cast.analyst, cast.workspaceId, 'domain', 'example.org');
      const created = [(await createHourly()).id, (await createHourly({ target_id: otherTarget })).id, (await createHourly()).id];
      await create(outsider.admin, { target_id: theirDomainId, technique: 'dns_lookup', interval_seconds: HOURLY }, outsider.workspaceId);
      const first = await cast.viewer.call<Page<ScheduleBody>>('GET', `${schedulesPath()}?limit=2`);
      assert.equal(first.status, 200);
      for (const item of first.body.items) assert.deepEqual(Object.keys(item).sort(), SCHEDULE_KEYS);
      const second = await cast.viewer.call<Page<ScheduleBody>>('GET', `${schedulesPath()}?limit=2&cursor=${first.body.next_cursor}`);
      assert.deepEqual([...first.body.items, ...second.body.items].map((item) => item.id), [...created].reverse());
      assert.equal(second.body.next_cursor, null);
      const filtered = await cast.viewer.call<Page<ScheduleBody>>('GET', `${schedulesPath()}?target_id=${otherTarget}`);
      assert.deepEqual(filtered.body.items.map((item) => item.id), [created[1]]);
    });

    it("shows a VIEWER one schedule with Temporal's next firing times, its counts and the jobs it fired, newest first", async () => {
      const schedule = await createHourly();
      const older = await insertJob(clients().knex, cast.workspaceId, domainId);
      const newer = await insertJob(clients().knex, cast.workspaceId, domainId);
      await insertJob(clients().knex, cast.workspaceId, domainId);
      await clients().knex('jobs').whereIn('id', [older.id, newer.id]).update({ schedule_id: schedule.id });
      await clients().knex('jobs').where({ id: older.id }).update({ created_at: new Date(Date.now() - 60000) });
      const response = await cast.viewer.call<DetailBody>('GET', `${schedulesPath()}/${schedule.id}`);
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(response.body).sort(), DETAIL_KEYS);
      const { next_firing_times: times } = response.body;
      assert.ok(times.length >= 3, `next firing times: ${times.join(', ')}`);
      for (const [index, time] of times.entries()) {
        assert.equal(Date.parse(time) % (HOURLY * 1000), 0, 'an interval fires at multiples of it since the epoch');
        if (index > 0) assert.equal(Date.parse(time) - Date.parse(times[index - 1]!), HOURLY * 1000);
      }
      assert.deepEqual(response.body.recent_jobs.map((job) => job.id), [newer.id, older.id]);
      assert.deepEqual(response.body.recent_firings, []);
      assert.deepEqual(response.body.running_workflow_ids, []);
      assert.deepEqual(response.body.firing_counts, { taken: 0, skipped_overlap: 0, missed_catchup_window: 0 });
    });

    it('lists every job a schedule fired, and only those, through GET …/jobs?schedule_id=', async () => {
      const [schedule, other] = [await createHourly(), await createHourly()];
      const fired = [];
      for (let index = 0; index < 3; index += 1) fired.push(await insertJob(clients().knex, cast.workspaceId, domainId));
      const byOther = await insertJob(clients().knex, cast.workspaceId, domainId);
      await insertJob(clients().knex, cast.workspaceId, domainId);
      await clients().knex('jobs').whereIn('id', fired.map((job) => job.id)).update({ schedule_id: schedule.id });
      await clients().knex('jobs').where({ id: byOther.id }).update({ schedule_id: other.id });
      const jobsOf = async (scheduleId: string, actor = cast.viewer) =>
        actor.call<{ items: { id: string; schedule_id: string }[] }>('GET', `/workspaces/${cast.workspaceId}/jobs?schedule_id=${scheduleId}`);
      const listed = await jobsOf(schedule.id);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.items.map((job) => job.id).sort(), fired.map((job) => job.id).sort());
      assert.ok(listed.body.items.every((job) => job.schedule_id === schedule.id));
      assert.deepEqual((await jobsOf(other.id)).body.items.map((job) => job.id), [byOther.id]);
      assert.equal((await jobsOf(schedule.id, outsider.admin)).status, 404);
      const theirs = await outsider.admin.call<{ items: unknown[] }>('GET', `/workspaces/${outsider.workspaceId}/jobs?schedule_id=${schedule.id}`);
      assert.deepEqual(theirs.body.items, []);
    });

    it('shows no next firing times while paused', async () => {
      const schedule = await createHourly({ paused: true });
      const response = await cast.viewer.call<DetailBody>('GET', `${schedulesPath()}/${schedule.id}`);
      assert.deepEqual([response.body.paused, response.body.next_firing_times], [true, []]);
    });

    it('answers 409 when Temporal lost the schedule, which DELETE then clears', async () => {
      const schedule = await createHourly();
      await temporalClient(clients()).schedule.getHandle(schedule.temporal_schedule_id).delete();
      const response = await cast.viewer.call('GET', `${schedulesPath()}/${schedule.id}`);
      assert.equal(response.status, 409);
      assert.equal((await cast.analyst.call('DELETE', `${schedulesPath()}/${schedule.id}`)).status, 204);
      assert.equal(await countRows('schedules'), 0);
    });
  });

  describe('PATCH /workspaces/{workspace_id}/schedules/{schedule_id}', () => {
    const patch = (actor: Actor, id: string, body: unknown) => actor.call<ScheduleBody>('PATCH', `${schedulesPath()}/${id}`, body);

    it('answers 401 without a token', async () => {
      const schedule = await createHourly();
      assert.equal((await callAs(api.url, undefined, 'PATCH', `${schedulesPath()}/${schedule.id}`, { paused: true })).status, 401);
    });

    it('answers 422 for an empty change, and naming the field of a bad cron, interval or time zone, changing nothing', async () => {
      const schedule = await createHourly();
      assert.equal((await patch(cast.analyst, schedule.id, {})).status, 422);
      const cases: [Record<string, unknown>, string[]][] = [
        [{ cron: '0 25 * * *' }, ['body.cron']],
        [{ interval_seconds: 10 }, ['body.interval_seconds']],
        [{ timezone: 'Nowhere/Land' }, ['body.timezone']],
        [{ cron: '0 3 * * *', interval_seconds: HOURLY }, ['body.cron', 'body.interval_seconds']],
        [{ paused: 'yes', note: '' }, ['body.note', 'body.paused']],
        [{ technique: 'email_verify' }, ['body.technique']],
        [{ technique: 'ping' }, ['body.technique']],
        [{ technique: 'port_scan', params: { ports: [0] } }, ['body.params.ports.0']],
        [{ params: { record_types: ['BOGUS'] } }, ['body.params.record_types.0']],
      ];
      for (const [body, fields] of cases) {
        const response = await patch(cast.analyst, schedule.id, body);
        assert.equal(response.status, 422, JSON.stringify(body));
        assert.deepEqual(fieldsOf(response.body), fields, JSON.stringify(body));
      }
      const described = (await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!;
      assert.deepEqual(described.spec.intervals?.map((interval) => interval.every), [HOURLY * 1000]);
      assert.equal(await countRows('audit_logs', { entity_type: 'schedule' }), 1);
      const row = await clients().knex('schedules').where({ id: schedule.id }).first('technique', 'params');
      assert.deepEqual(row, { technique: 'dns_lookup', params: {} });
    });

    it("answers 404 to a member of another workspace, and for another workspace's schedule", async () => {
      const schedule = await createHourly();
      assert.equal((await outsider.admin.call('PATCH', `${schedulesPath()}/${schedule.id}`, { paused: true })).status, 404);
      assert.equal((await outsider.admin.call('PATCH', `${schedulesPath(outsider.workspaceId)}/${schedule.id}`, { paused: true })).status, 404);
      assert.equal((await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!.state.paused, false);
    });

    it('answers 403 to a VIEWER', async () => {
      const schedule = await createHourly();
      assert.equal((await patch(cast.viewer, schedule.id, { paused: true })).status, 403);
    });

    it('pauses with a note and resumes, in Temporal and here, with an audit row each', async () => {
      const schedule = await createHourly();
      const paused = await patch(cast.analyst, schedule.id, { paused: true, note: 'target offline until Monday' });
      assert.equal(paused.status, 200);
      assert.deepEqual([paused.body.paused, paused.body.note], [true, 'target offline until Monday']);
      let described = (await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!;
      assert.deepEqual([described.state.paused, described.state.note], [true, 'target offline until Monday']);

      const resumed = await patch(cast.admin, schedule.id, { paused: false });
      assert.deepEqual([resumed.body.paused, resumed.body.note], [false, `resumed by ${cast.admin.id}`]);
      described = (await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!;
      assert.deepEqual([described.state.paused, described.state.note], [false, `resumed by ${cast.admin.id}`]);

      const audit = await clients().knex('audit_logs').where({ entity_id: schedule.id }).orderBy('id').select('action', 'actor_id', 'details');
      assert.deepEqual(audit.slice(1), [
        { action: 'schedule.paused', actor_id: cast.analyst.id, details: { note: 'target offline until Monday' } },
        { action: 'schedule.resumed', actor_id: cast.admin.id, details: { note: `resumed by ${cast.admin.id}` } },
      ]);
    });

    it("changes an interval to a cron in another time zone and the overlap policy, keeping Temporal's paused state", async () => {
      const schedule = await createHourly({ paused: true, note: 'on hold' });
      const response = await patch(cast.analyst, schedule.id, { cron: '0 4 * * *', timezone: 'America/New_York', overlap_policy: 'ALLOW_ALL' });
      assert.equal(response.status, 200);
      assert.deepEqual(
        [response.body.cron, response.body.interval_seconds, response.body.timezone, response.body.overlap_policy, response.body.paused],
        ['0 4 * * *', null, 'America/New_York', 'ALLOW_ALL', true],
      );
      const described = (await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!;
      assert.deepEqual(described.spec.intervals, []);
      assert.equal(described.spec.calendars?.length, 1);
      assert.equal(described.spec.timezone, 'America/New_York');
      assert.equal(described.policies.overlap, 'ALLOW_ALL');
      assert.deepEqual([described.state.paused, described.state.note], [true, 'on hold']);
      assert.deepEqual(described.action.args, [{ scheduleId: schedule.id }]);
      const [audit] = await clients().knex('audit_logs').where({ action: 'schedule.updated' });
      assert.equal(audit.details.to.cron, '0 4 * * *');
      assert.equal(audit.details.from.interval_seconds, HOURLY);
    });

    it('changes the timing and pauses in one request, in Temporal and here, with an audit row for each', async () => {
      const schedule = await createHourly();
      const response = await patch(cast.analyst, schedule.id, { interval_seconds: HOURLY * 2, paused: true, note: 'slower, and on hold' });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual([response.body.interval_seconds, response.body.paused, response.body.note], [HOURLY * 2, true, 'slower, and on hold']);
      const described = (await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!;
      assert.deepEqual(described.spec.intervals?.map((interval) => interval.every), [HOURLY * 2000]);
      assert.deepEqual([described.state.paused, described.state.note], [true, 'slower, and on hold']);
      const resumed = await patch(cast.analyst, schedule.id, { interval_seconds: HOURLY, paused: false });
      assert.equal(resumed.status, 200);
      const after = (await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!;
      assert.deepEqual([after.spec.intervals?.map((interval) => interval.every), after.state.paused], [[HOURLY * 1000], false]);
      const audit = await clients().knex('audit_logs').where({ entity_id: schedule.id }).orderBy('id').pluck('action');
      assert.deepEqual(audit, ['schedule.created', 'schedule.updated', 'schedule.paused', 'schedule.updated', 'schedule.resumed']);
    });

    it("changes the technique and its params for later firings, with Temporal's labels and an audit row", async () => {
      const schedule = await createHourly();
      const response = await patch(cast.analyst, schedule.id, { technique: 'port_scan', params: { ports: [22, 443] } });
      assert.equal(response.status, 200);
      assert.deepEqual([response.body.technique, response.body.params, response.body.interval_seconds], ['port_scan', { ports: [22, 443] }, HOURLY]);
      const row = await clients().knex('schedules').where({ id: schedule.id }).first('technique', 'params');
      assert.deepEqual(row, { technique: 'port_scan', params: { ports: [22, 443] } });
      // The schedule's own labels change when its scheduler workflow takes the update, moments later.
      const described = await pollUntil(
        async () => (await describeTemporalSchedule(clients(), schedule.temporal_schedule_id))!,
        (description) => description.searchAttributes[SEARCH_ATTRIBUTES.technique]?.[0] === 'port_scan',
        { tries: 100, intervalMs: 50 },
      );
      assert.deepEqual(described.searchAttributes[SEARCH_ATTRIBUTES.technique], ['port_scan']);
      assert.deepEqual(described.action.searchAttributes?.[SEARCH_ATTRIBUTES.technique], ['port_scan']);
      assert.equal((described.action.memo as { technique?: string }).technique, 'port_scan');
      assert.deepEqual(described.action.args, [{ scheduleId: schedule.id }]);
      assert.deepEqual(described.spec.intervals?.map((interval) => interval.every), [HOURLY * 1000]);
      const [audit] = await clients().knex('audit_logs').where({ action: 'schedule.updated', entity_id: schedule.id });
      assert.deepEqual([audit.details.technique, audit.details.params_changed], [{ from: 'dns_lookup', to: 'port_scan' }, true]);
    });

    it('answers 422 naming the kept param a new technique does not take', async () => {
      const schedule = await createHourly({ technique: 'port_scan', params: { ports: [22] } });
      const response = await patch(cast.analyst, schedule.id, { technique: 'dns_lookup' });
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['body.params.ports']);
      assert.equal((await clients().knex('schedules').where({ id: schedule.id }).first('technique')).technique, 'port_scan');
    });
  });

  describe('POST …/trigger and DELETE /workspaces/{workspace_id}/schedules/{schedule_id}', () => {
    it('answers 401 without a token', async () => {
      const schedule = await createHourly();
      assert.equal((await callAs(api.url, undefined, 'POST', `${schedulesPath()}/${schedule.id}/trigger`)).status, 401);
      assert.equal((await callAs(api.url, undefined, 'DELETE', `${schedulesPath()}/${schedule.id}`)).status, 401);
    });

    it('answers 422 naming a bad overlap policy of a trigger', async () => {
      const schedule = await createHourly();
      const response = await cast.analyst.call('POST', `${schedulesPath()}/${schedule.id}/trigger`, { overlap_policy: 'NOW' });
      assert.deepEqual(fieldsOf(response.body), ['body.overlap_policy']);
    });

    it("answers 404 to a member of another workspace, and for another workspace's schedule, leaving it in Temporal", async () => {
      const schedule = await createHourly();
      for (const workspaceId of [cast.workspaceId, outsider.workspaceId]) {
        assert.equal((await outsider.admin.call('POST', `${schedulesPath(workspaceId)}/${schedule.id}/trigger`)).status, 404);
        assert.equal((await outsider.admin.call('DELETE', `${schedulesPath(workspaceId)}/${schedule.id}`)).status, 404);
      }
      assert.ok(await describeTemporalSchedule(clients(), schedule.temporal_schedule_id));
    });

    it('answers 403 to a VIEWER', async () => {
      const schedule = await createHourly();
      assert.equal((await cast.viewer.call('POST', `${schedulesPath()}/${schedule.id}/trigger`)).status, 403);
      assert.equal((await cast.viewer.call('DELETE', `${schedulesPath()}/${schedule.id}`)).status, 403);
    });

    it('deletes the schedule from Temporal and here with 204 and an audit row; the jobs it fired stay', async () => {
      const schedule = await createHourly();
      const job = await insertJob(clients().knex, cast.workspaceId, domainId);
      await clients().knex('jobs').where({ id: job.id }).update({ schedule_id: schedule.id });
      const response = await cast.analyst.call('DELETE', `${schedulesPath()}/${schedule.id}`);
      assert.equal(response.status, 204);
      assert.equal(await describeTemporalSchedule(clients(), schedule.temporal_schedule_id), undefined);
      assert.equal(await countRows('schedules'), 0);
      assert.equal((await clients().knex('jobs').where({ id: job.id }).first()).schedule_id, null);
      assert.equal(await countRows('audit_logs', { action: 'schedule.deleted', entity_id: schedule.id, actor_id: cast.analyst.id }), 1);
      assert.equal((await cast.viewer.call('GET', `${schedulesPath()}/${schedule.id}`)).status, 404);
    });
  });
});
