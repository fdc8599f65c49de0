import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../../core/logger';
import { SecretBox } from '../../../core/secret-box';
import { startTestApi, withOfflineTemporalApi, type TestApi } from '../../helpers/api';
import { callAs, createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

type Webhook = { id: string; workspace_id: string; url: string; events: string[]; description: string | null; created_by: string | null; created_at: string; secret?: string };
type ErrorBody = { error: { code: string; message: string; details: { fields?: { field: string; message: string }[] } | null } };
type Page<T> = { items: T[]; next_cursor: string | null };

const fieldsOf = (body: unknown) => ((body as ErrorBody).error.details?.fields ?? []).map((field) => field.field).sort();
const WEBHOOK_KEYS = ['created_at', 'created_by', 'description', 'events', 'id', 'url', 'workspace_id'];
const HOOK_URL = 'https://hooks.example.test/osint?token=abc';

describe('webhooks', function () {
  this.timeout(30000);
  const clients = useTestClients();
  const logLines: string[] = [];
  let api: TestApi;
  let cast: WorkspaceCast;
  let outsider: WorkspaceCast;
  const path = (workspaceId = cast.workspaceId) => `/workspaces/${workspaceId}/webhooks`;

  before(async () => {
    // The API with its guard on (no SCAN_ALLOWED_CIDRS), logging everything into logLines.
    const logger = createLogger({ name: 'api', level: 'trace', destination: { write: (line: string) => void logLines.push(line) } });
    api = await startTestApi(clients(), { logger });
  });
  after(async () => api.close());
  beforeEach(async () => {
    [cast, outsider] = await Promise.all([createWorkspaceCast(api.url, 'hooks'), createWorkspaceCast(api.url, 'other')]);
  });

  async function create(body: Record<string, unknown> = { url: HOOK_URL, events: ['job.finished'] }, workspace = cast): Promise<Webhook> {
    const response = await workspace.admin.call<Webhook>('POST', path(workspace.workspaceId), body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  }

  describe('POST /workspaces/{workspace_id}/webhooks', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'POST', path(), { url: HOOK_URL, events: ['job.finished'] })).status, 401);
    });

    it('answers 422 naming each bad field', async () => {
      const response = await cast.admin.call('POST', path(), { url: '', events: ['job.started'], secret: 'short', extra: 1 });
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['body.events.0', 'body.extra', 'body.secret', 'body.url']);
      const noEvents = await cast.admin.call('POST', path(), { url: HOOK_URL, events: [] });
      assert.deepEqual(fieldsOf(noEvents.body), ['body.events']);
      for (const url of ['ftp://hooks.example.test/', 'not a url', 'https://user:pw@hooks.example.test/', 'https://hooks.example.test/#frag']) {
        const bad = await cast.admin.call('POST', path(), { url, events: ['job.finished'] });
        assert.equal(bad.status, 422, url);
        assert.deepEqual(fieldsOf(bad.body), ['body.url'], url);
      }
    });

    it('refuses private, loopback, link-local and metadata addresses with the guard on, naming body.url', async () => {
      for (const [url, reason] of [
        ['http://127.0.0.1:9000/hook', /127\.0\.0\.1.*loopback/],
        ['http://2130706433/hook', /127\.0\.0\.1.*loopback/],
        ['http://localhost:8080/', /loopback/],
        ['http://[::1]/', /loopback/],
        ['http://[::ffff:10.0.0.1]/', /::ffff:a00:1.*private/],
        ['https://10.1.2.3/', /private/],
        ['http://169.254.169.254/latest', /metadata/],
        ['http://100.64.0.1/', /carrierGradeNat/],
      ] as const) {
        const response = await cast.admin.call<ErrorBody>('POST', path(), { url, events: ['job.finished'] });
        assert.equal(response.status, 422, url);
        assert.deepEqual(fieldsOf(response.body), ['body.url'], url);
        assert.match(response.body.error.message, reason, url);
      }
      assert.deepEqual(await clients().knex('webhooks').select('id'), []);
    });

    it('answers 404 in a workspace the caller is not a member of', async () => {
      assert.equal((await outsider.admin.call('POST', path(), { url: HOOK_URL, events: ['job.finished'] })).status, 404);
    });

    it('answers 403 to an ANALYST and a VIEWER', async () => {
      for (const actor of [cast.analyst, cast.viewer]) {
        assert.equal((await actor.call('POST', path(), { url: HOOK_URL, events: ['job.finished'] })).status, 403);
      }
    });

    it('creates the webhook with a generated secret shown once, sealed at rest and never logged', async () => {
      const webhook = await create({ url: HOOK_URL, events: ['job.finished', 'findings.changed'], description: 'SIEM' });
      assert.deepEqual(Object.keys(webhook).sort(), [...WEBHOOK_KEYS, 'secret'].sort());
      assert.match(webhook.secret!, /^whsec_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual([webhook.url, webhook.events, webhook.description, webhook.created_by], [HOOK_URL, ['job.finished', 'findings.changed'], 'SIEM', cast.admin.id]);

      const shown = [
        await cast.admin.call('GET', `${path()}/${webhook.id}`),
        await cast.admin.call('GET', path()),
      ];
      for (const response of shown) {
        assert.equal(response.status, 200);
        assert.ok(!JSON.stringify(response.body).includes(webhook.secret!), 'the secret is not shown again');
      }
      assert.deepEqual(Object.keys((shown[0]!.body as Webhook)).sort(), WEBHOOK_KEYS);
      const row = await clients().knex('webhooks').where({ id: webhook.id }).first();
      assert.ok(!JSON.stringify(row).includes(webhook.secret!), 'the secret is sealed at rest');
      assert.ok(!logLines.join('\n').includes(webhook.secret!), 'the secret is never logged');
    });

    it('does not echo a secret the request gave, and never logs it', async () => {
      const secret = `given-secret-${randomUUID()}`;
      const webhook = await create({ url: HOOK_URL, events: ['job.dead_lettered'], secret });
      assert.equal(webhook.secret, undefined);
      assert.ok(!logLines.join('\n').includes(secret));
    });

    it('writes a webhook.created audit row with the origin only', async () => {
      const webhook = await create();
      const rows = await clients().knex('audit_logs').where({ workspace_id: cast.workspaceId, action: 'webhook.created' });
      assert.equal(rows.length, 1);
      assert.deepEqual([rows[0].entity_id, rows[0].actor_id, rows[0].details], [webhook.id, cast.admin.id, { origin: 'https://hooks.example.test', events: ['job.finished'] }]);
    });
  });

  describe('GET /workspaces/{workspace_id}/webhooks and /webhooks/{webhook_id}', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'GET', path())).status, 401);
    });

    it('answers 422 naming the field for a bad limit', async () => {
      const response = await cast.admin.call('GET', `${path()}?limit=0`);
      assert.deepEqual([response.status, fieldsOf(response.body)], [422, ['query.limit']]);
    });

    it("answers 404 for another workspace's webhook", async () => {
      const theirs = await create(undefined, outsider);
      assert.equal((await cast.admin.call('GET', `${path()}/${theirs.id}`)).status, 404);
      assert.equal((await cast.admin.call('GET', `${path()}/${randomUUID()}`)).status, 404);
      assert.equal((await cast.admin.call('GET', path(outsider.workspaceId))).status, 404);
      assert.deepEqual((await cast.admin.call<Page<Webhook>>('GET', path())).body.items, []);
    });

    it('answers 403 to an ANALYST', async () => {
      assert.equal((await cast.analyst.call('GET', path())).status, 403);
    });

    it('lists the webhooks newest first, a page at a time', async () => {
      const first = await create();
      const second = await create({ url: 'https://other.example.test/hook', events: ['findings.changed'] });
      const page = await cast.admin.call<Page<Webhook>>('GET', `${path()}?limit=1`);
      assert.deepEqual(page.body.items.map((item) => item.id), [second.id]);
      const next = await cast.admin.call<Page<Webhook>>('GET', `${path()}?limit=1&cursor=${page.body.next_cursor}`);
      assert.deepEqual([next.body.items.map((item) => item.id), next.body.next_cursor], [[first.id], null]);
    });
  });

  describe('PATCH /workspaces/{workspace_id}/webhooks/{webhook_id}', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'PATCH', `${path()}/${randomUUID()}`, { events: ['job.finished'] })).status, 401);
    });

    it('answers 422 naming each bad field, changing nothing', async () => {
      const webhook = await create();
      const before = await clients().knex('webhooks').where({ id: webhook.id }).first();
      for (const [body, fields] of [
        [{}, ['body']],
        [{ events: [], extra: 1 }, ['body.events', 'body.extra']],
        [{ url: 'https://user:pw@hooks.example.test/' }, ['body.url']],
        [{ url: 'http://10.1.2.3/hook' }, ['body.url']],
        [{ secret: 'short' }, ['body.secret']],
        [{ rotate_secret: false }, ['body.rotate_secret']],
        [{ secret: `given-secret-${randomUUID()}`, rotate_secret: true }, ['body.rotate_secret', 'body.secret']],
      ] as const) {
        const response = await cast.admin.call('PATCH', `${path()}/${webhook.id}`, body);
        assert.equal(response.status, 422, JSON.stringify(body));
        assert.deepEqual(fieldsOf(response.body), fields, JSON.stringify(body));
      }
      assert.deepEqual(await clients().knex('webhooks').where({ id: webhook.id }).first(), before);
      assert.deepEqual(await clients().knex('audit_logs').where({ workspace_id: cast.workspaceId, action: 'webhook.updated' }), []);
    });

    it("answers 404 for another workspace's webhook, and leaves it", async () => {
      const theirs = await create(undefined, outsider);
      assert.equal((await cast.admin.call('PATCH', `${path()}/${theirs.id}`, { events: ['findings.changed'] })).status, 404);
      assert.equal((await outsider.viewer.call('PATCH', `${path(outsider.workspaceId)}/${randomUUID()}`, { events: ['findings.changed'] })).status, 403);
      const row = await clients().knex('webhooks').where({ id: theirs.id }).first('events');
      assert.deepEqual(row.events, ['job.finished']);
    });

    it('answers 403 to an ANALYST', async () => {
      const webhook = await create();
      assert.equal((await cast.analyst.call('PATCH', `${path()}/${webhook.id}`, { events: ['findings.changed'] })).status, 403);
    });

    it('changes only the fields given, and writes a webhook.updated audit row with the origin only', async () => {
      const webhook = await create({ url: HOOK_URL, events: ['job.finished'], description: 'SIEM' });
      const response = await cast.admin.call<Webhook>('PATCH', `${path()}/${webhook.id}`, { url: 'https://siem.example.test/in?key=k', events: ['job.dead_lettered', 'findings.changed'] });
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(response.body).sort(), WEBHOOK_KEYS);
      assert.deepEqual([response.body.url, response.body.events, response.body.description], ['https://siem.example.test/in?key=k', ['job.dead_lettered', 'findings.changed'], 'SIEM']);
      const cleared = await cast.admin.call<Webhook>('PATCH', `${path()}/${webhook.id}`, { description: null });
      assert.deepEqual([cleared.body.description, cleared.body.url], [null, 'https://siem.example.test/in?key=k']);
      const audit = await clients().knex('audit_logs').where({ workspace_id: cast.workspaceId, action: 'webhook.updated' }).orderBy('id');
      assert.deepEqual(
        audit.map((row) => [row.entity_id, row.actor_id, row.details]),
        [
          [webhook.id, cast.admin.id, { origin: 'https://siem.example.test', events: ['job.dead_lettered', 'findings.changed'], changed: ['url', 'events'] }],
          [webhook.id, cast.admin.id, { origin: 'https://siem.example.test', events: ['job.dead_lettered', 'findings.changed'], changed: ['description'] }],
        ],
      );
    });

    it('rotates the secret: the new one is shown once, sealed at rest and never logged; a given one is never echoed', async () => {
      const webhook = await create();
      const sealed = async () => (await clients().knex('webhooks').where({ id: webhook.id }).first('secret_sealed')).secret_sealed as string;
      const first = await sealed();
      const rotated = await cast.admin.call<Webhook>('PATCH', `${path()}/${webhook.id}`, { rotate_secret: true });
      assert.equal(rotated.status, 200);
      assert.match(rotated.body.secret!, /^whsec_[A-Za-z0-9_-]{43}$/);
      assert.notEqual(rotated.body.secret, webhook.secret);
      const second = await sealed();
      assert.notEqual(second, first);
      assert.ok(!second.includes(rotated.body.secret!));
      const given = `given-secret-${randomUUID()}`;
      const replaced = await cast.admin.call<Webhook>('PATCH', `${path()}/${webhook.id}`, { secret: given });
      assert.equal(replaced.body.secret, undefined);
      assert.notEqual(await sealed(), second);
      const log = logLines.join('\n');
      assert.ok(!log.includes(rotated.body.secret!) && !log.includes(given), 'secrets are never logged');
      const audit = await clients().knex('audit_logs').where({ workspace_id: cast.workspaceId, action: 'webhook.updated' });
      assert.deepEqual(audit.map((row) => row.details.changed), [['secret'], ['secret']]);
    });

    it('seals a secret set through the ids in capitals so that the worker, which reads the stored id, opens it', async () => {
      const webhook = await create();
      const upper = `/workspaces/${cast.workspaceId.toUpperCase()}/webhooks/${webhook.id.toUpperCase()}`;
      const rotated = await cast.admin.call<Webhook>('PATCH', upper, { rotate_secret: true });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      assert.equal(rotated.body.id, webhook.id);
      const row = await clients().knex('webhooks').where({ id: webhook.id }).first('id', 'secret_sealed');
      assert.equal(new SecretBox(clients().config.secretKey).open(row.secret_sealed, row.id), rotated.body.secret);
    });
  });

  describe('POST /workspaces/{workspace_id}/webhooks/{webhook_id}/ping', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'POST', `${path()}/${randomUUID()}/ping`)).status, 401);
    });

    it("answers 404 for another workspace's webhook, and records no delivery", async () => {
      const theirs = await create(undefined, outsider);
      assert.equal((await cast.admin.call('POST', `${path()}/${theirs.id}/ping`)).status, 404);
      assert.deepEqual(await clients().knex('webhook_deliveries').select('id'), []);
    });

    it('answers 403 to an ANALYST, and records no delivery', async () => {
      const webhook = await create();
      assert.equal((await cast.analyst.call('POST', `${path()}/${webhook.id}/ping`)).status, 403);
      assert.deepEqual(await clients().knex('webhook_deliveries').select('id'), []);
    });

    it('answers 503 within API_TEMPORAL_TIMEOUT_MS when Temporal does not take the delivery, and marks it FAILED', async () => {
      await withOfflineTemporalApi(async (offlineApi) => {
        const webhook = await create();
        const started = Date.now();
        const response = await callAs<ErrorBody>(offlineApi.url, cast.admin.token, 'POST', `${path()}/${webhook.id}/ping`);
        assert.ok(Date.now() - started < 5000, `answered after ${Date.now() - started} ms`);
        assert.equal(response.status, 503);
        assert.equal(response.body.error.code, 'service_unavailable');
        const rows = await clients().knex('webhook_deliveries').where({ webhook_id: webhook.id }).select('event', 'status', 'last_error');
        assert.deepEqual(rows, [{ event: 'webhook.ping', status: 'FAILED', last_error: 'Temporal did not accept the delivery' }]);
      });
    });
  });

  describe('DELETE /workspaces/{workspace_id}/webhooks/{webhook_id}', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'DELETE', `${path()}/${randomUUID()}`)).status, 401);
    });

    it("answers 404 for another workspace's webhook, and leaves it", async () => {
      const theirs = await create(undefined, outsider);
      assert.equal((await cast.admin.call('DELETE', `${path()}/${theirs.id}`)).status, 404);
      assert.equal((await outsider.admin.call('GET', `${path(outsider.workspaceId)}/${theirs.id}`)).status, 200);
    });

    it('answers 403 to an ANALYST', async () => {
      const webhook = await create();
      assert.equal((await cast.analyst.call('DELETE', `${path()}/${webhook.id}`)).status, 403);
    });

    it('deletes the webhook with its deliveries and writes a webhook.deleted audit row', async () => {
      const webhook = await create();
      const job = await clients().knex('targets').insert({ workspace_id: cast.workspaceId, type: 'domain', value: 'd.example', original_value: 'd.example' }).returning('id');
      const [jobRow] = await clients().knex('jobs').insert({ workspace_id: cast.workspaceId, target_id: job[0].id, technique: 'dns_lookup', status: 'SUCCEEDED', idempotency_key: randomUUID() }).returning('id');
      await clients().knex('webhook_deliveries').insert({ workspace_id: cast.workspaceId, webhook_id: webhook.id, event: 'job.finished', job_id: jobRow.id, dedupe_key: 'k', payload: '{}' });
      const response = await cast.admin.call('DELETE', `${path()}/${webhook.id}`);
      assert.equal(response.status, 204);
      assert.equal((await cast.admin.call('GET', `${path()}/${webhook.id}`)).status, 404);
      assert.deepEqual(await clients().knex('webhook_deliveries').where({ webhook_id: webhook.id }), []);
      const audit = await clients().knex('audit_logs').where({ workspace_id: cast.workspaceId, action: 'webhook.deleted' });
      assert.deepEqual([audit.length, audit[0].entity_id, audit[0].actor_id], [1, webhook.id, cast.admin.id]);
    });
  });

  describe('GET /workspaces/{workspace_id}/webhooks/{webhook_id}/deliveries', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'GET', `${path()}/${randomUUID()}/deliveries`)).status, 401);
    });

    it('answers 422 naming the field for an unknown status', async () => {
      const webhook = await create();
      const response = await cast.admin.call('GET', `${path()}/${webhook.id}/deliveries?status=LOST`);
      assert.deepEqual([response.status, fieldsOf(response.body)], [422, ['query.status']]);
    });

    it("answers 404 for another workspace's webhook", async () => {
      const theirs = await create(undefined, outsider);
      assert.equal((await cast.admin.call('GET', `${path()}/${theirs.id}/deliveries`)).status, 404);
    });

    it('answers 403 to a VIEWER', async () => {
      const webhook = await create();
      assert.equal((await cast.viewer.call('GET', `${path()}/${webhook.id}/deliveries`)).status, 403);
    });

    it('lists deliveries newest first, filtered by status', async () => {
      const webhook = await create();
      const rows = ['PENDING', 'DELIVERED', 'FAILED'].map((status, index) => ({
        workspace_id: cast.workspaceId,
        webhook_id: webhook.id,
        event: 'job.finished',
        dedupe_key: `k${index}`,
        payload: JSON.stringify({ n: index }),
        status,
        created_at: new Date(Date.now() - (3 - index) * 1000),
      }));
      await clients().knex('webhook_deliveries').insert(rows);
      const all = await cast.admin.call<Page<{ status: string; payload: unknown; attempts: number; attempt_log: unknown[] }>>('GET', `${path()}/${webhook.id}/deliveries`);
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.items.map((item) => item.status), ['FAILED', 'DELIVERED', 'PENDING']);
      assert.deepEqual([all.body.items[2]!.payload, all.body.items[2]!.attempts, all.body.items[2]!.attempt_log], [{ n: 0 }, 0, []]);
      const failed = await cast.admin.call<Page<{ status: string }>>('GET', `${path()}/${webhook.id}/deliveries?status=FAILED`);
      assert.deepEqual(failed.body.items.map((item) => item.status), ['FAILED']);
    });
  });
});
