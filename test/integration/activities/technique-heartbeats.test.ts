import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createJobActivities } from '../../../activities/job-activities';
import { createPoliteness } from '../../../activities/rate-limit';
import { TECHNIQUE_REGISTRY } from '../../../activities/techniques';
import type { ActivityPolicy, TechniqueResult } from '../../../core/domain/job-execution';
import { createLogger } from '../../../core/logger';
import { createRepositories } from '../../../db/repositories';
import { startDnsServer, type DnsServer } from '../../fixture-servers/dns-server';
import type { FilteredPorts } from '../../fixture-servers/filtered-ports';
import type { SmtpServer } from '../../fixture-servers/smtp-server';
import { openTestClients, type TestClients } from '../../helpers/clients';
import { insertJob, insertTarget } from '../../helpers/factories';
import { FILTERED_MX_ZONE, filteredBesideSmtp } from '../../helpers/paired-mail-hosts';

const POLICY: ActivityPolicy = { maxAttempts: 1, initialIntervalMs: 10, backoffCoefficient: 1, maximumIntervalMs: 10, activityTimeoutMs: 60000, heartbeatTimeoutMs: 4000 };
/** A quarter of the heartbeat timeout: the grace period and the longest gap between heartbeats after it. */
const INTERVAL_MS = 1000;
/** What a timer on a busy test machine may be late by. */
const SLACK_MS = 400;
/** How long the filtered mail host holds the probe's connect: a silent stretch of three intervals. */
const SMTP_TIMEOUT_MS = 3000;

type Beat = { at: number; details: Record<string, unknown> | undefined };

/**
 * The technique activity (real Postgres and S3) under a mock activity context that records every
 * heartbeat, running email_verify against a preferred MX whose address drops the SYN (as behind a
 * firewall: port 25 filtered) and a backup MX that answers.
 */
describe('the technique activity keeps heartbeating through a silent stretch', function () {
  this.timeout(60000);
  let clients: TestClients;
  let dns: DnsServer;
  let filtered: FilteredPorts;
  let smtp: SmtpServer;
  let activities: ReturnType<typeof createJobActivities>;

  before(async () => {
    dns = await startDnsServer({ zone: [...FILTERED_MX_ZONE] });
    ({ filtered, smtp } = await filteredBesideSmtp(['alice@filtered.test']));
    clients = await openTestClients({
      DNS_SERVERS: dns.address,
      SMTP_PORT: String(smtp.port),
      SMTP_TIMEOUT_MS: String(SMTP_TIMEOUT_MS),
      SCAN_ALLOWED_CIDRS: '127.0.0.1/32,127.0.0.2/32',
      TECHNIQUE_RATE_LIMITS: '',
    });
    activities = createJobActivities({
      config: clients.config,
      knex: clients.knex,
      repos: createRepositories(clients.knex),
      evidenceStore: clients.evidenceStore,
      logger: createLogger({ name: 'test', level: 'silent' }),
      politeness: createPoliteness(clients.redis, clients.config.techniques, { keyPrefix: `politeness:heartbeats-${randomUUID()}:` }),
      techniques: TECHNIQUE_REGISTRY,
    });
  });
  after(async () => {
    await Promise.all([clients?.close(), dns?.close(), filtered?.close(), smtp?.close()]);
  });

  /** A QUEUED email_verify job of a new workspace, as the activity receives it. */
  async function queuedJob() {
    const [workspace] = await clients.knex('workspaces').insert({ name: 'heartbeats' }).returning(['id']);
    const workspaceId = (workspace as { id: string }).id;
    const target = await insertTarget(clients.knex, workspaceId, { type: 'email', value: 'alice@filtered.test' });
    const job = await insertJob(clients.knex, workspaceId, target.id, { technique: 'email_verify', params: { smtp_probe: true }, status: 'QUEUED' });
    return { jobId: job.id, workspaceId, targetId: target.id, technique: 'email_verify' as const, runNumber: 1, policy: POLICY };
  }

  function recordBeats(env: MockActivityEnvironment): { beats: Beat[]; started: number } {
    const started = Date.now();
    const beats: Beat[] = [];
    env.on('heartbeat', (details: Record<string, unknown> | undefined) => beats.push({ at: Date.now() - started, details }));
    return { beats, started };
  }

  it('beats at least every interval while the filtered MX holds the connect, repeating where the probe is, and stops with the attempt', async () => {
    const job = await queuedJob();
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: POLICY.heartbeatTimeoutMs });
    const { beats, started } = recordBeats(env);

    const outcome = (await env.run(activities.runTechnique, { job })) as TechniqueResult;
    const ended = Date.now() - started;

    assert.ok(ended >= SMTP_TIMEOUT_MS, `the probe waited out the filtered address (${ended} ms)`);
    assert.equal(outcome?.summary.verdict, 'deliverable');
    const row = await clients.knex('jobs').where({ id: job.jobId }).first();
    assert.equal(row.status, 'SUCCEEDED');

    const times = [0, ...beats.map((beat) => beat.at), ended];
    const gaps = times.slice(1).map((time, index) => time - (times[index] as number));
    assert.ok(Math.max(...gaps) <= INTERVAL_MS + SLACK_MS, `gaps between heartbeats: ${gaps.join(', ')} ms`);
    const onFiltered = beats.filter((beat) => beat.details?.address === '127.0.0.2');
    assert.ok(onFiltered.length >= 2, `the filtered address's progress was repeated: ${JSON.stringify(beats)}`);
    assert.deepEqual(onFiltered[0]?.details, {
      stage: 'smtp_probe',
      host: 'mx1.filtered.test',
      host_number: 1,
      hosts_total: 2,
      address: '127.0.0.2',
      address_number: 1,
      addresses_total: 1,
    });

    const count = beats.length;
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS + SLACK_MS));
    assert.equal(beats.length, count, 'no heartbeat after the attempt ended');
  });

  it('stops the probe when cancelled in the silent stretch, and heartbeats no more', async () => {
    const job = await queuedJob();
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: POLICY.heartbeatTimeoutMs });
    const { beats } = recordBeats(env);
    let cancelledAt = 0;
    setTimeout(() => {
      cancelledAt = Date.now();
      env.cancel();
    }, 1500);

    await assert.rejects(env.run(activities.runTechnique, { job }), (error: unknown) => error instanceof CancelledFailure);
    assert.ok(Date.now() - cancelledAt < 500, `ended ${Date.now() - cancelledAt} ms after the cancel`);
    assert.equal(beats.at(-1)?.details?.address, '127.0.0.2');
    const count = beats.length;
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS + SLACK_MS));
    assert.equal(beats.length, count, 'no heartbeat after the attempt ended');
    const row = await clients.knex('jobs').where({ id: job.jobId }).first();
    assert.equal(row.status, 'RUNNING', 'the workflow, not the activity, records the cancellation');
  });
});
