import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { TestApi } from '../../helpers/api';
import { callAs, createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { resetState, type TestClients } from '../../helpers/clients';
import { findingInput, insertFindings, insertJob, insertTarget, type TargetFixture } from '../../helpers/factories';
import { startPipeline, type Pipeline } from '../../helpers/pipeline-worker';
import { startDnsServer, type DnsServer, type ZoneRecord } from '../../fixture-servers/dns-server';

type Entry = { finding_id: string; finding_type: string; subject: string; fingerprint: string; data: Record<string, unknown> };
type Diff = {
  job_id: string;
  against_job_id: string | null;
  counts: { new: number; gone: number; changed: number; unchanged: number };
  new: Entry[];
  gone: Entry[];
  changed: { finding_type: string; subject: string; before: Entry; after: Entry }[];
};
type ErrorBody = { error: { code: string; details: { fields?: { field: string }[] } | null } };

const fieldsOf = (body: unknown) => ((body as ErrorBody).error.details?.fields ?? []).map((field) => field.field);
const values = (entries: Entry[]) => entries.map((entry) => String(entry.data.value)).sort();

describe('job diffs', function () {
  this.timeout(120000);
  let dns: DnsServer;
  const zone: ZoneRecord[] = [];
  let clients: TestClients;
  let api: TestApi;
  let pipeline: Pipeline | undefined;
  let cast: WorkspaceCast;
  let outsider: WorkspaceCast;
  const knex = (): Knex => clients.knex;
  const base = (workspaceId = cast.workspaceId) => `/workspaces/${workspaceId}`;

  before(async () => {
    dns = await startDnsServer({ zone });
    pipeline = await startPipeline('diff', {
      DNS_SERVERS: dns.address,
      DNS_TIMEOUT_MS: '300',
      DNS_TRIES: '1',
    });
    ({ clients, api } = pipeline);
  });

  after(async () => {
    await pipeline?.close();
    await dns?.close();
  });

  beforeEach(async () => {
    await resetState(clients);
    [cast, outsider] = await Promise.all([createWorkspaceCast(api.url, 'diff'), createWorkspaceCast(api.url, 'other')]);
  });

  /** Serves `records` from now on (the fixture re-indexes its zone when the zone's size changes). */
  function serve(records: ZoneRecord[]): void {
    assert.notEqual(records.length, zone.length);
    zone.splice(0, zone.length, ...records);
  }

  async function runJob(targetId: string, params: Record<string, unknown>): Promise<string> {
    const job = await cast.analyst.call<{ id: string }>('POST', `${base()}/jobs`, { target_id: targetId, technique: 'dns_lookup', params });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    assert.equal((await cast.analyst.call('POST', `${base()}/jobs/${job.body.id}/enqueue`)).status, 202);
    const deadline = Date.now() + 60000;
    for (;;) {
      const { body } = await cast.viewer.call<{ status: string }>('GET', `${base()}/jobs/${job.body.id}`);
      if (body.status === 'SUCCEEDED') return job.body.id;
      if (['FAILED', 'DEAD_LETTER', 'CANCELLED'].includes(body.status) || Date.now() > deadline) assert.fail(`job ended ${body.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A SUCCEEDED job that saw `items`, finished at `finishedAt`. */
  async function seenBy(target: TargetFixture, finishedAt: Date, items: Parameters<typeof findingInput>[0][], workspaceId = cast.workspaceId): Promise<string> {
    const job = await insertJob(knex(), workspaceId, target.id);
    await knex()('jobs').where({ id: job.id }).update({ finished_at: finishedAt });
    await insertFindings(knex(), workspaceId, job.id, items.map((item) => findingInput({ target_id: target.id, ...item })));
    return job.id;
  }

  it('answers 401 without a token', async () => {
    const response = await callAs(api.url, undefined, 'GET', `${base()}/jobs/${randomUUID()}/diff`);
    assert.equal(response.status, 401);
  });

  it('answers 422 naming the field for a malformed against or limit', async () => {
    const target = await insertTarget(knex(), cast.workspaceId);
    const job = await seenBy(target, new Date(), []);
    const response = await cast.viewer.call('GET', `${base()}/jobs/${job}/diff?against=nope&limit=0`);
    assert.equal(response.status, 422);
    assert.deepEqual(fieldsOf(response.body).sort(), ['query.against', 'query.limit']);
    const self = await cast.viewer.call('GET', `${base()}/jobs/${job}/diff?against=${job}`);
    assert.equal(self.status, 422);
    assert.deepEqual(fieldsOf(self.body), ['query.against']);
  });

  it("answers 404 for another workspace's job, whether diffed or named as against", async () => {
    const mine = await seenBy(await insertTarget(knex(), cast.workspaceId), new Date(), []);
    const theirs = await seenBy(await insertTarget(knex(), outsider.workspaceId), new Date(), [{ subject: 'secret.example' }], outsider.workspaceId);
    assert.equal((await cast.viewer.call('GET', `${base()}/jobs/${theirs}/diff`)).status, 404);
    const against = await cast.viewer.call('GET', `${base()}/jobs/${mine}/diff?against=${theirs}`);
    assert.equal(against.status, 404);
    assert.ok(!JSON.stringify(against.body).includes('secret.example'));
    assert.equal((await cast.viewer.call('GET', `${base(outsider.workspaceId)}/jobs/${theirs}/diff`)).status, 404);
  });

  it('answers 409 for a job that has not SUCCEEDED', async () => {
    const target = await insertTarget(knex(), cast.workspaceId);
    const running = await insertJob(knex(), cast.workspaceId, target.id, { status: 'RUNNING' });
    const response = await cast.viewer.call<ErrorBody>('GET', `${base()}/jobs/${running.id}/diff`);
    assert.equal(response.status, 409);
    assert.equal(response.body.error.code, 'conflict');
  });

  it('shows new, gone and changed records after two dns_lookup runs against a zone that changed between them', async () => {
    const record = (type: string, data: unknown, ttl = 300) => ({ name: 'example.test', type, data, ttl }) as ZoneRecord;
    serve([record('A', '127.0.0.1'), record('A', '127.0.0.2'), record('MX', { preference: 10, exchange: 'mail.example.test' }), record('TXT', ['v=spf1 -all'])]);
    const target = await cast.analyst.call<{ id: string }>('POST', `${base()}/targets/domain`, { value: 'example.test' });
    // Two runs need two jobs: the same request would return the first job (idempotency).
    const first = await runJob(target.body.id, { record_types: ['A', 'MX', 'TXT'] });
    serve([record('A', '127.0.0.1'), record('A', '127.0.0.3'), record('A', '127.0.0.4'), record('MX', { preference: 10, exchange: 'mail.example.test' }, 600), record('TXT', ['v=spf1 -all'])]);
    const second = await runJob(target.body.id, { record_types: ['TXT', 'MX', 'A'] });

    const response = await cast.viewer.call<Diff>('GET', `${base()}/jobs/${second}/diff`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const diff = response.body;
    assert.equal(diff.against_job_id, first);
    assert.deepEqual(diff.counts, { new: 2, gone: 1, changed: 1, unchanged: 2 });
    assert.deepEqual(values(diff.new), ['127.0.0.3', '127.0.0.4']);
    assert.deepEqual(values(diff.gone), ['127.0.0.2']);
    const [mx] = diff.changed;
    assert.equal(mx!.before.finding_id, mx!.after.finding_id);
    assert.deepEqual([mx!.before.data.ttl, mx!.after.data.ttl], [300, 600]);

    const firstDiff = await cast.viewer.call<Diff>('GET', `${base()}/jobs/${first}/diff`);
    assert.equal(firstDiff.body.against_job_id, null);
    assert.deepEqual(firstDiff.body.counts, { new: 4, gone: 0, changed: 0, unchanged: 0 });

    const backwards = await cast.viewer.call<Diff>('GET', `${base()}/jobs/${first}/diff?against=${second}`);
    assert.deepEqual(backwards.body.counts, { new: 1, gone: 2, changed: 1, unchanged: 2 });
    assert.deepEqual([backwards.body.changed[0]!.before.data.ttl, backwards.body.changed[0]!.after.data.ttl], [600, 300]);
  });

  it('reports a finding whose identity changed under the same subject as changed, when the pairing is unambiguous', async () => {
    const target = await insertTarget(knex(), cast.workspaceId, { type: 'email', value: 'ada@example.test' });
    const verdict = (value: string) => ({ subject: 'ada@example.test', finding_type: 'email_verdict', data: { verdict: value }, stable_data: { verdict: value } });
    await seenBy(target, new Date(Date.now() - 60000), [verdict('deliverable')]);
    const later = await seenBy(target, new Date(), [verdict('risky')]);
    const diff = (await cast.viewer.call<Diff>('GET', `${base()}/jobs/${later}/diff`)).body;
    assert.deepEqual(diff.counts, { new: 0, gone: 0, changed: 1, unchanged: 0 });
    assert.deepEqual([diff.changed[0]!.before.data, diff.changed[0]!.after.data], [{ verdict: 'deliverable' }, { verdict: 'risky' }]);
    assert.notEqual(diff.changed[0]!.before.fingerprint, diff.changed[0]!.after.fingerprint);
  });

  it("pairs only records of the same type: a name's MX that went and its TXT that came are gone and new, its changed A is changed", async () => {
    const target = await insertTarget(knex(), cast.workspaceId, { value: 'example.test' });
    const dns = (type: string, value: string) => ({ subject: 'example.test', finding_type: 'dns_record', data: { record_type: type, value }, stable_data: { record_type: type, value } });
    await seenBy(target, new Date(Date.now() - 60000), [dns('MX', '10 mail.example.test'), dns('A', '127.0.0.1')]);
    const later = await seenBy(target, new Date(), [dns('TXT', 'v=spf1 -all'), dns('A', '127.0.0.2')]);
    const diff = (await cast.viewer.call<Diff>('GET', `${base()}/jobs/${later}/diff`)).body;
    assert.deepEqual(diff.counts, { new: 1, gone: 1, changed: 1, unchanged: 0 });
    assert.deepEqual([diff.new[0]!.data.record_type, diff.gone[0]!.data.record_type], ['TXT', 'MX']);
    assert.deepEqual([diff.changed[0]!.before.data.value, diff.changed[0]!.after.data.value], ['127.0.0.1', '127.0.0.2']);
  });

  it('compares with the previous SUCCEEDED job only: failed jobs, other techniques and other targets are skipped', async () => {
    const target = await insertTarget(knex(), cast.workspaceId);
    const other = await insertTarget(knex(), cast.workspaceId);
    const now = Date.now();
    const previous = await seenBy(target, new Date(now - 50000), [{ subject: 'a.example', stable_data: { n: 1 } }]);
    const failed = await insertJob(knex(), cast.workspaceId, target.id, { status: 'FAILED' });
    await knex()('jobs').where({ id: failed.id }).update({ finished_at: new Date(now - 30000) });
    const whois = await insertJob(knex(), cast.workspaceId, target.id, { technique: 'whois_lookup' });
    await knex()('jobs').where({ id: whois.id }).update({ finished_at: new Date(now - 20000) });
    await seenBy(other, new Date(now - 10000), [{ subject: 'b.example' }]);
    const current = await seenBy(target, new Date(now), [{ subject: 'a.example', stable_data: { n: 1 } }]);
    const diff = (await cast.viewer.call<Diff>('GET', `${base()}/jobs/${current}/diff`)).body;
    assert.equal(diff.against_job_id, previous);
    assert.deepEqual(diff.counts, { new: 0, gone: 0, changed: 0, unchanged: 1 });
  });

  it("counts only the latest run's view of a requeued job, so gone is exact", async () => {
    const target = await insertTarget(knex(), cast.workspaceId);
    const previous = await seenBy(target, new Date(Date.now() - 60000), [{ subject: 'kept.example' }, { subject: 'dropped.example' }]);
    const current = await seenBy(target, new Date(), [{ subject: 'kept.example' }, { subject: 'stale.example' }]);
    await knex()('jobs').where({ id: current }).update({ run_number: 2 });
    await insertFindings(knex(), cast.workspaceId, current, [findingInput({ subject: 'kept.example', target_id: target.id })]);
    const diff = (await cast.viewer.call<Diff>('GET', `${base()}/jobs/${current}/diff`)).body;
    assert.equal(diff.against_job_id, previous);
    assert.deepEqual(diff.counts, { new: 0, gone: 1, changed: 0, unchanged: 1 });
    assert.deepEqual(diff.gone.map((entry) => entry.subject), ['dropped.example']);
  });

  it('cuts each list at limit while the counts stay whole', async () => {
    const target = await insertTarget(knex(), cast.workspaceId);
    const items = Array.from({ length: 5 }, (_, index) => ({ subject: `host-${index}.example` }));
    const job = await seenBy(target, new Date(), items);
    const diff = (await cast.viewer.call<Diff>('GET', `${base()}/jobs/${job}/diff?limit=2`)).body;
    assert.equal(diff.counts.new, 5);
    assert.deepEqual(diff.new.map((entry) => entry.subject), ['host-0.example', 'host-1.example']);
  });
});
