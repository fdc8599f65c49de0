import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { FindingsRepository } from '../../../db/repositories/findings';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

/**
 * Walks every route the router serves (read from the router itself, so a new route cannot
 * escape) as the ADMIN of another workspace, and proves none of them answers with anything but
 * 404 or shows any of the victim's data.
 */
describe('workspace isolation across every route', function () {
  this.timeout(120000);
  const clients = useTestClients();
  let api: TestApi;
  let victim: WorkspaceCast;
  let intruder: WorkspaceCast;
  let ids: Record<string, string>;
  let secrets: string[];

  before(async () => {
    api = await startTestApi(clients());
  });
  after(async () => api.close());

  beforeEach(async () => {
    victim = await createWorkspaceCast(api.url, 'victim');
    intruder = await createWorkspaceCast(api.url, 'intruder');
    const target = await victim.analyst.call<{ id: string }>('POST', `/workspaces/${victim.workspaceId}/targets/domain`, { value: 'victim-secret.example' });
    const job = await victim.analyst.call<{ id: string }>('POST', `/workspaces/${victim.workspaceId}/jobs`, { target_id: target.body.id, technique: 'dns_lookup' });
    assert.equal(job.status, 201);
    await new FindingsRepository(clients().knex).upsertMany(victim.workspaceId, job.body.id, [
      { finding_type: 'dns_record', subject: 'victim-secret.example', data: { value: '192.0.2.77' }, stable_data: { value: '192.0.2.77' }, technique: 'dns_lookup', target_id: target.body.id },
    ]);
    const finding = await clients().knex('findings').where({ workspace_id: victim.workspaceId }).first('id');
    const body = Buffer.from('victim raw evidence');
    const sha256 = createHash('sha256').update(body).digest('hex');
    const key = `${victim.workspaceId}/${sha256}`;
    await clients().evidenceStore.put(key, body, 'text/plain');
    const [evidence] = await clients()
      .knex('evidence')
      .insert({ workspace_id: victim.workspaceId, job_id: job.body.id, object_key: key, content_type: 'text/plain', size_bytes: body.length, sha256 })
      .returning('id');
    const webhook = await victim.admin.call<{ id: string }>('POST', `/workspaces/${victim.workspaceId}/webhooks`, { url: 'https://victim-secret-hooks.example/notify', events: ['job.finished'] });
    assert.equal(webhook.status, 201);
    // A row is enough: every schedule route answers the intruder before asking Temporal anything.
    const [schedule] = await clients()
      .knex('schedules')
      .insert({ id: randomUUID(), workspace_id: victim.workspaceId, target_id: target.body.id, technique: 'dns_lookup', temporal_schedule_id: `schedule-victim-${randomUUID()}`, spec: JSON.stringify({ cron: null, interval_seconds: 3600, timezone: 'UTC', jitter_seconds: 0, overlap_policy: 'SKIP', catchup_window_seconds: 300 }) })
      .returning('id');
    ids = {
      workspace_id: victim.workspaceId,
      target_id: target.body.id,
      job_id: job.body.id,
      finding_id: finding.id,
      evidence_id: evidence.id,
      user_id: victim.viewer.id,
      schedule_id: schedule.id,
      webhook_id: webhook.body.id,
    };
    secrets = [victim.workspaceId, target.body.id, job.body.id, finding.id, evidence.id, schedule.id, webhook.body.id, 'victim-secret', victim.admin.email, victim.viewer.email, sha256];
  });

  function servedRoutes(): { method: string; path: string }[] {
    return api.built.router.stack.flatMap((layer) =>
      layer.methods.filter((method) => method !== 'HEAD').map((method) => ({ method, path: String(layer.path) })),
    );
  }

  function fill(path: string, values: Record<string, string>): string {
    return path.replace(/:(\w+)/g, (_, name: string) => {
      const value = values[name];
      if (!value) assert.fail(`no victim value for :${name} in ${path}; add one to this matrix`);
      return value;
    });
  }

  function assertNoLeak(label: string, text: string): void {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${label} leaks ${secret}`);
  }

  it("answers 404 with none of the victim's data on every route under the victim's workspace", async () => {
    const routes = servedRoutes().filter((route) => route.path.includes(':workspace_id'));
    assert.ok(routes.length >= 20, `walked ${routes.length} routes`);
    for (const route of routes) {
      const path = fill(route.path, ids);
      const response = await fetch(`${api.url}${path}`, {
        method: route.method,
        headers: { Authorization: `Bearer ${intruder.admin.token}`, 'Content-Type': 'application/json' },
        body: ['POST', 'PATCH', 'PUT'].includes(route.method) ? '{}' : undefined,
      });
      const text = await response.text();
      assert.equal(response.status, 404, `${route.method} ${route.path} answered ${response.status}: ${text}`);
      assertNoLeak(`${route.method} ${route.path}`, text);
    }
  });

  it("answers 404 when the intruder names the victim's resources under their own workspace", async () => {
    const routes = servedRoutes().filter((route) => /:workspace_id\/.*:\w+/.test(route.path));
    assert.ok(routes.length >= 6, `walked ${routes.length} routes`);
    for (const route of routes) {
      const path = fill(route.path, { ...ids, workspace_id: intruder.workspaceId });
      const response = await fetch(`${api.url}${path}`, {
        method: route.method,
        headers: { Authorization: `Bearer ${intruder.admin.token}`, 'Content-Type': 'application/json' },
        body: ['POST', 'PATCH', 'PUT'].includes(route.method) ? '{}' : undefined,
      });
      const text = await response.text();
      // A write with an empty body may stop at validation (422) first; it still must not leak.
      assert.ok([404, 422].includes(response.status), `${route.method} ${route.path} answered ${response.status}: ${text}`);
      if (route.method === 'GET') assert.equal(response.status, 404, `${route.method} ${route.path}`);
      assertNoLeak(`${route.method} ${route.path}`, text);
    }
  });

  it("shows nothing of the victim on the routes outside any workspace", async () => {
    for (const route of servedRoutes().filter((candidate) => !candidate.path.includes(':') && candidate.method === 'GET')) {
      const response = await fetch(`${api.url}${route.path}`, { headers: { Authorization: `Bearer ${intruder.admin.token}` } });
      assertNoLeak(`GET ${route.path}`, await response.text());
    }
  });
});
