import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createScheduleActivities } from '../../../activities/schedule-activities';
import { noopJobMetrics } from '../../../core/job-metrics';
import { idempotencyKey } from '../../../core/hashing';
import { createLogger } from '../../../core/logger';
import { createRepositories } from '../../../db/repositories';
import type { TestApi } from '../../helpers/api';
import { createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { resetState, type TestClients } from '../../helpers/clients';
import { startPipeline, type Pipeline } from '../../helpers/pipeline-worker';
import { deleteTestSchedules, describeTemporalSchedule, temporalClient } from '../../helpers/schedules';
import { startDnsServer, type DnsServer } from '../../fixture-servers/dns-server';

type Schedule = { id: string; temporal_schedule_id: string; paused: boolean };
type Job = { id: string; status: string; technique: string; params: Record<string, unknown>; schedule_id: string | null; idempotency_key: string; created_at: Date };
type Detail = { recent_jobs: { id: string }[]; recent_firings: { workflow_id: string }[]; running_workflow_ids: string[]; firing_counts: { taken: number; skipped_overlap: number } };

const RUNNING = ['CREATED', 'QUEUED', 'RUNNING', 'RETRYING'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Schedules firing for real: the real API creates Temporal Schedules with second-scale intervals
 * on the dev server, the real worker runs each firing's job against a loopback DNS fixture.
 */
describe('schedule firings', function () {
  this.timeout(120000);
  let dns: DnsServer;
  let clients: TestClients;
  let api: TestApi;
  let pipeline: Pipeline | undefined;
  let cast: WorkspaceCast;
  let targetId: string;

  before(async () => {
    dns = await startDnsServer({ zone: [{ name: 'example.test', type: 'A', data: '127.0.0.1', ttl: 300 }] });
    pipeline = await startPipeline('schedules', {
      DNS_SERVERS: dns.address,
      DNS_TIMEOUT_MS: '200',
      DNS_TRIES: '1',
      // A job whose DNS server is silent keeps retrying (RETRYING ↔ RUNNING) until the test lets it succeed.
      JOB_MAX_ATTEMPTS: '100',
      JOB_RETRY_INITIAL_MS: '100',
      JOB_RETRY_BACKOFF: '1',
      JOB_RETRY_MAX_INTERVAL_MS: '100',
      SCHEDULE_MIN_INTERVAL_SECONDS: '1',
    });
    ({ clients, api } = pipeline);
  });

  after(async () => {
    await pipeline?.close();
    await dns?.close();
  });

  beforeEach(async () => {
    await resetState(clients);
    dns.script.dropFirst = 0;
    cast = await createWorkspaceCast(api.url, 'recurring');
    const target = await cast.analyst.call<{ id: string }>('POST', `${base()}/targets/domain`, { value: 'example.test' });
    targetId = target.body.id;
  });

  afterEach(async () => {
    // No firing may outlive its test: schedules go, jobs still running end before the tables are emptied.
    dns.script.dropFirst = 0;
    await deleteTestSchedules(clients);
    await waitFor(async () => (await clients.knex('jobs').whereIn('status', RUNNING).count<{ count: string }[]>('* as count'))[0]!.count === '0', 'every job finished', 30000);
  });

  const base = () => `/workspaces/${cast.workspaceId}`;

  async function createSchedule(body: Record<string, unknown>): Promise<Schedule> {
    const response = await cast.analyst.call<Schedule>('POST', `${base()}/schedules`, { target_id: targetId, technique: 'dns_lookup', params: { record_types: ['A'] }, ...body });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  }

  async function jobsOf(scheduleId: string): Promise<Job[]> {
    return (await clients.knex('jobs').where({ schedule_id: scheduleId }).orderBy('created_at')) as Job[];
  }

  async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for: ${what}`);
  }

  /** The job count once firings already under way have created their jobs, then again after `quietMs`. */
  async function countsAcross(scheduleId: string, quietMs: number): Promise<[number, number]> {
    await sleep(1500);
    const before = (await jobsOf(scheduleId)).length;
    await sleep(quietMs);
    return [before, (await jobsOf(scheduleId)).length];
  }

  it('counts each firing as created, duplicate or failed, with the technique when the schedule names one', async () => {
    const schedule = await createSchedule({ interval_seconds: 3600, paused: true });
    const fired: string[] = [];
    const metrics = { ...noopJobMetrics, scheduleFired: (technique: string, outcome: string) => void fired.push(`${technique} ${outcome}`) };
    const activities = createScheduleActivities({ config: clients.config, knex: clients.knex, repos: createRepositories(clients.knex), logger: createLogger({ name: 'test', level: 'silent' }), metrics });
    const firing = { scheduleId: schedule.id, nominalTime: '2026-02-01T00:00:00.000Z' };
    await activities.createScheduledJob(firing);
    await activities.createScheduledJob(firing);
    // A database that refuses the firing (here, a schedule id that is not a UUID) fails it before any schedule is read.
    await assert.rejects(activities.createScheduledJob({ ...firing, scheduleId: 'not-a-uuid' }));
    assert.deepEqual(fired, ['dns_lookup created', 'dns_lookup duplicate', 'unknown failed']);
    await clients.knex('jobs').where({ schedule_id: schedule.id }).update({ status: 'CANCELLED' });
  });

  it('creates one job per firing, whatever the firing activity is retried or run again with the same nominal time', async () => {
    const schedule = await createSchedule({ interval_seconds: 3600, paused: true });
    const activities = createScheduleActivities({ config: clients.config, knex: clients.knex, repos: createRepositories(clients.knex), logger: createLogger({ name: 'test', level: 'silent' }) });
    const firing = { scheduleId: schedule.id, nominalTime: '2026-01-01T00:00:00.000Z' };
    const plans = await Promise.all(Array.from({ length: 5 }, () => activities.createScheduledJob(firing)));
    assert.equal(new Set(plans.map((plan) => plan?.jobId)).size, 1);
    assert.equal(plans[0]!.status, 'CREATED');
    assert.equal(plans[0]!.taskQueue, `${clients.config.temporal.taskQueue}.general`);
    const next = await activities.createScheduledJob({ ...firing, nominalTime: '2026-01-01T01:00:00.000Z' });
    assert.notEqual(next!.jobId, plans[0]!.jobId);
    const jobs = await jobsOf(schedule.id);
    assert.equal(jobs.length, 2);
    const events = await clients.knex('job_events').where({ job_id: plans[0]!.jobId }).orderBy('id').pluck('to_status');
    assert.deepEqual(events, ['CREATED']);
    const audit = await clients.knex('audit_logs').where({ entity_id: plans[0]!.jobId }).orderBy('id').select('action', 'actor_id', 'details');
    assert.deepEqual(audit.map((row) => [row.action, row.actor_id, row.details.schedule_id, row.details.nominal_time]), [
      ['job.created', null, schedule.id, firing.nominalTime],
    ]);
    assert.equal(await activities.createScheduledJob({ scheduleId: randomUUID(), nominalTime: firing.nominalTime }), null);
    // A firing cancelled before it started its job cancels the job; one already enqueued is left alone.
    const reason = 'the firing was cancelled before its job started';
    assert.equal(await activities.cancelUnstartedJob({ workspaceId: cast.workspaceId, jobId: plans[0]!.jobId, reason }), true);
    assert.equal(await activities.cancelUnstartedJob({ workspaceId: cast.workspaceId, jobId: plans[0]!.jobId, reason }), false);
    assert.deepEqual(await clients.knex('jobs').where({ id: plans[0]!.jobId }).first('status', 'last_error'), { status: 'CANCELLED', last_error: reason });
    await clients.knex('jobs').where({ schedule_id: schedule.id }).update({ status: 'CANCELLED' });
  });

  it('fires a normal job every interval, run as its firing workflow\'s child under the job id, keyed by the nominal time', async () => {
    const schedule = await createSchedule({ interval_seconds: 2 });
    await waitFor(async () => (await jobsOf(schedule.id)).filter((job) => job.status === 'SUCCEEDED').length >= 3, 'three jobs succeeded');
    const detail = await cast.viewer.call<Detail>('GET', `${base()}/schedules/${schedule.id}`);
    assert.ok(detail.body.firing_counts.taken >= 3);
    await cast.analyst.call('PATCH', `${base()}/schedules/${schedule.id}`, { paused: true });

    const client = temporalClient(clients);
    const jobs = (await jobsOf(schedule.id)).filter((job) => job.status === 'SUCCEEDED');
    const nominalTimes: number[] = [];
    for (const job of jobs) {
      const events = await clients.knex('job_events').where({ job_id: job.id }).orderBy('id').pluck('to_status');
      assert.deepEqual(events, ['CREATED', 'QUEUED', 'RUNNING', 'SUCCEEDED']);
      const workflow = await client.workflow.getHandle(job.id).describe();
      assert.equal(workflow.status.name, 'COMPLETED');
      assert.deepEqual(workflow.searchAttributes.OsintJobStatus, ['SUCCEEDED']);
      assert.deepEqual(workflow.memo?.retry_policy, clients.config.jobs.dns_lookup, 'the job ran under the policy its memo names');
      const firingId = workflow.parentExecution?.workflowId ?? '';
      assert.ok(firingId.startsWith(`${schedule.temporal_schedule_id}-`), `the job's parent is a firing of the schedule: ${firingId}`);
      const nominalTime = new Date(firingId.slice(schedule.temporal_schedule_id.length + 1)).toISOString();
      const firing = await client.workflow.getHandle(firingId).describe();
      assert.equal(firing.type, 'scheduledJobWorkflow');
      assert.equal((firing.searchAttributes.TemporalScheduledStartTime?.[0] as Date).toISOString(), nominalTime);
      assert.deepEqual(await client.workflow.getHandle(firingId).result(), { scheduleId: schedule.id, nominalTime, jobId: job.id, outcome: 'succeeded' });
      const key = idempotencyKey({ workspaceId: cast.workspaceId, targetId, technique: 'dns_lookup', params: { record_types: ['A'] }, schedule: { id: schedule.id, nominalTime } });
      assert.equal(job.idempotency_key, key);
      nominalTimes.push(Date.parse(nominalTime));
    }
    for (const time of nominalTimes) assert.equal(time % 2000, 0, 'firings come at multiples of the interval');
    assert.equal(new Set(nominalTimes).size, nominalTimes.length);
    const listed = await cast.viewer.call<Detail>('GET', `${base()}/schedules/${schedule.id}`);
    assert.ok(jobs.every((job) => listed.body.recent_jobs.some((recent) => recent.id === job.id)));
  });

  it('skips firings while the previous job still runs, then fires again once it has finished', async () => {
    dns.script.dropFirst = Number.MAX_SAFE_INTEGER;
    const schedule = await createSchedule({ interval_seconds: 1 });
    await waitFor(async () => (await jobsOf(schedule.id)).some((job) => job.status === 'RUNNING' || job.status === 'RETRYING'), 'the first job runs');
    await sleep(3500);
    const [slow, ...others] = await jobsOf(schedule.id);
    assert.deepEqual(others, [], 'no second job while the first runs');
    const detail = await cast.viewer.call<Detail>('GET', `${base()}/schedules/${schedule.id}`);
    assert.ok(detail.body.firing_counts.skipped_overlap >= 2, `skipped ${detail.body.firing_counts.skipped_overlap}`);
    assert.equal(detail.body.running_workflow_ids.length, 1);
    const trigger = await cast.analyst.call<{ error: { details: { running_workflow_ids: string[] } } }>('POST', `${base()}/schedules/${schedule.id}/trigger`);
    assert.equal(trigger.status, 409);
    assert.deepEqual(trigger.body.error.details.running_workflow_ids, detail.body.running_workflow_ids);

    dns.script.dropFirst = 0;
    await waitFor(async () => (await jobsOf(schedule.id)).length >= 2, 'a firing after the slow job');
    const jobs = await jobsOf(schedule.id);
    assert.equal(jobs[0]!.id, slow!.id);
    assert.equal(jobs[0]!.status, 'SUCCEEDED');
  });

  it('cancels the running job when the next firing comes under CANCEL_OTHER, and runs the next one', async () => {
    dns.script.dropFirst = Number.MAX_SAFE_INTEGER;
    const schedule = await createSchedule({ interval_seconds: 2, overlap_policy: 'CANCEL_OTHER' });
    await waitFor(async () => (await jobsOf(schedule.id)).length >= 2, 'a second firing');
    const [first] = await jobsOf(schedule.id);
    await waitFor(async () => (await jobsOf(schedule.id))[0]!.status === 'CANCELLED', 'the first job cancelled');
    const events = await clients.knex('job_events').where({ job_id: first!.id }).orderBy('id').pluck('to_status');
    assert.deepEqual(events.slice(0, 3), ['CREATED', 'QUEUED', 'RUNNING']);
    assert.equal(events[events.length - 1], 'CANCELLED');
    const client = temporalClient(clients);
    const job = await client.workflow.getHandle(first!.id).describe();
    assert.equal(job.status.name, 'CANCELLED');
    assert.equal((await client.workflow.getHandle(String(job.parentExecution?.workflowId)).describe()).status.name, 'CANCELLED');
  });

  it('stops firing while paused and fires again once resumed', async () => {
    const schedule = await createSchedule({ interval_seconds: 1 });
    await waitFor(async () => (await jobsOf(schedule.id)).length >= 1, 'a first job');
    const paused = await cast.analyst.call<Schedule>('PATCH', `${base()}/schedules/${schedule.id}`, { paused: true, note: 'maintenance window' });
    assert.equal(paused.status, 200);
    const described = await describeTemporalSchedule(clients, schedule.temporal_schedule_id);
    assert.deepEqual([described?.state.paused, described?.state.note], [true, 'maintenance window']);
    const [before, after] = await countsAcross(schedule.id, 3000);
    assert.equal(after, before, 'no firing while paused');

    assert.equal((await cast.analyst.call('PATCH', `${base()}/schedules/${schedule.id}`, { paused: false })).status, 200);
    assert.equal((await describeTemporalSchedule(clients, schedule.temporal_schedule_id))?.state.paused, false);
    await waitFor(async () => (await jobsOf(schedule.id)).length >= after + 2, 'firings after resuming');
  });

  it('runs the schedule now on a trigger, also while paused', async () => {
    const schedule = await createSchedule({ interval_seconds: 3600, paused: true });
    const response = await cast.analyst.call<Schedule>('POST', `${base()}/schedules/${schedule.id}/trigger`);
    assert.equal(response.status, 202);
    await waitFor(async () => (await jobsOf(schedule.id)).some((job) => job.status === 'SUCCEEDED'), 'the triggered job succeeded');
    assert.equal((await jobsOf(schedule.id)).length, 1);
    const detail = await cast.viewer.call<Detail>('GET', `${base()}/schedules/${schedule.id}`);
    assert.equal(detail.body.recent_firings.length, 1);
    assert.ok(detail.body.recent_firings[0]!.workflow_id.startsWith(`${schedule.temporal_schedule_id}-`));
    const audit = await clients.knex('audit_logs').where({ action: 'schedule.triggered', entity_id: schedule.id });
    assert.deepEqual(audit.map((row) => [row.actor_id, row.details]), [[cast.analyst.id, { overlap_policy: 'SKIP' }]]);
  });

  it('runs the new params on the firings after a change', async () => {
    const schedule = await createSchedule({ interval_seconds: 3600, paused: true });
    const changed = await cast.analyst.call('PATCH', `${base()}/schedules/${schedule.id}`, { params: { record_types: ['MX', 'TXT'] } });
    assert.equal(changed.status, 200);
    assert.equal((await cast.analyst.call('POST', `${base()}/schedules/${schedule.id}/trigger`)).status, 202);
    await waitFor(async () => (await jobsOf(schedule.id)).some((job) => job.status === 'SUCCEEDED'), 'the triggered job succeeded');
    const [job] = await jobsOf(schedule.id);
    assert.deepEqual([job!.technique, job!.params], ['dns_lookup', { record_types: ['MX', 'TXT'] }]);
  });

  it('removes the schedule from Temporal on delete, and nothing fires after', async () => {
    const schedule = await createSchedule({ interval_seconds: 1 });
    await waitFor(async () => (await jobsOf(schedule.id)).length >= 1, 'a first job');
    const fired = (await jobsOf(schedule.id)).map((job) => job.id);
    assert.equal((await cast.analyst.call('DELETE', `${base()}/schedules/${schedule.id}`)).status, 204);
    assert.equal(await describeTemporalSchedule(clients, schedule.temporal_schedule_id), undefined);
    await sleep(4000);
    const jobs = await clients.knex('jobs').where({ workspace_id: cast.workspaceId }).select('id', 'schedule_id');
    assert.ok(fired.every((id) => jobs.some((job) => job.id === id)), 'the jobs it fired stay');
    assert.ok(jobs.length <= fired.length + 1, `at most a firing already under way completes: ${jobs.length} jobs`);
    assert.ok(jobs.every((job) => job.schedule_id === null));
  });
});
