import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../helpers/api';
import { callAs, createWorkspaceCast, registerActor, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

type ErrorBody = { error: { code: string; message: string; details: { fields?: { field: string }[] } | null } };
const fieldsOf = (body: unknown) => ((body as ErrorBody).error.details?.fields ?? []).map((field) => field.field);

describe('workspaces and members', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  let cast: WorkspaceCast;
  let outsider: WorkspaceCast;
  before(async () => {
    api = await startTestApi(clients());
  });
  beforeEach(async () => {
    cast = await createWorkspaceCast(api.url, 'case');
    outsider = await createWorkspaceCast(api.url, 'other');
  });
  after(async () => api.close());

  describe('POST /workspaces', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'POST', '/workspaces', { name: 'x' })).status, 401);
    });

    it('answers 422 naming the missing name and the unknown field', async () => {
      const response = await cast.admin.call('POST', '/workspaces', { title: 'x' });
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body).sort(), ['body.name', 'body.title']);
    });

    it('makes the creator its ADMIN and audits the creation', async () => {
      const actor = await registerActor(api.url);
      const response = await actor.call<Record<string, unknown>>('POST', '/workspaces', { name: 'Op Nightjar', description: 'phishing kit' });
      assert.equal(response.status, 201);
      assert.deepEqual(Object.keys(response.body).sort(), ['created_at', 'description', 'id', 'name', 'role']);
      assert.equal(response.body.role, 'ADMIN');
      const audit = await clients().knex('audit_logs').where({ workspace_id: response.body.id, action: 'workspace.created' });
      assert.equal(audit.length, 1);
      assert.equal(audit[0].actor_id, actor.id);
    });
  });

  describe('GET /workspaces', () => {
    it('lists only the workspaces the user is a member of, page by page', async () => {
      const actor = await registerActor(api.url);
      const ids: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        ids.push((await actor.call<{ id: string }>('POST', '/workspaces', { name: `ws ${index}` })).body.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
        const page = await actor.call<{ items: { id: string }[]; next_cursor: string | null }>('GET', `/workspaces${query}`);
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items.map((item) => item.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.deepEqual([...seen].sort(), [...ids].sort());
    });

    it('answers 422 naming query.limit above the cap, and query.cursor for a forged cursor', async () => {
      assert.deepEqual(fieldsOf((await cast.admin.call('GET', '/workspaces?limit=201')).body), ['query.limit']);
      assert.deepEqual(fieldsOf((await cast.admin.call('GET', '/workspaces?cursor=bm9wZQ')).body), ['query.cursor']);
    });
  });

  describe('GET /workspaces/{workspace_id}', () => {
    it('answers 404 to a non-member, exactly as for a workspace that does not exist', async () => {
      const foreign = await outsider.admin.call('GET', `/workspaces/${cast.workspaceId}`);
      const missing = await outsider.admin.call('GET', '/workspaces/00000000-0000-4000-8000-000000000000');
      assert.equal(foreign.status, 404);
      assert.deepEqual(foreign.body, missing.body);
    });

    it('shows a VIEWER the workspace with their role', async () => {
      const response = await cast.viewer.call<{ id: string; role: string }>('GET', `/workspaces/${cast.workspaceId}`);
      assert.equal(response.status, 200);
      assert.equal(response.body.role, 'VIEWER');
    });
  });

  describe('POST /workspaces/{workspace_id}/members', () => {
    it('answers 422 naming body.role for an unknown role', async () => {
      const actor = await registerActor(api.url);
      const response = await cast.admin.call('POST', `/workspaces/${cast.workspaceId}/members`, { email: actor.email, role: 'OWNER' });
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['body.role']);
    });

    it("answers 404 to an ADMIN of another workspace", async () => {
      const actor = await registerActor(api.url);
      const response = await outsider.admin.call('POST', `/workspaces/${cast.workspaceId}/members`, { email: actor.email, role: 'VIEWER' });
      assert.equal(response.status, 404);
    });

    it('answers 403 to an ANALYST', async () => {
      const actor = await registerActor(api.url);
      const response = await cast.analyst.call('POST', `/workspaces/${cast.workspaceId}/members`, { email: actor.email, role: 'VIEWER' });
      assert.equal(response.status, 403);
    });

    it('adds a registered user with the role, audits it, and refuses a second add with 409', async () => {
      const actor = await registerActor(api.url);
      const added = await cast.admin.call<Record<string, unknown>>('POST', `/workspaces/${cast.workspaceId}/members`, { email: actor.email, role: 'ANALYST' });
      assert.equal(added.status, 201);
      assert.deepEqual(Object.keys(added.body).sort(), ['display_name', 'email', 'joined_at', 'role', 'user_id']);
      assert.equal((await actor.call('GET', `/workspaces/${cast.workspaceId}`)).status, 200);
      const audit = await clients().knex('audit_logs').where({ workspace_id: cast.workspaceId, action: 'member.added', entity_id: actor.id });
      assert.equal(audit.length, 1);
      const again = await cast.admin.call('POST', `/workspaces/${cast.workspaceId}/members`, { email: actor.email, role: 'VIEWER' });
      assert.equal(again.status, 409);
    });

    it('answers 404 for an email with no account', async () => {
      const response = await cast.admin.call('POST', `/workspaces/${cast.workspaceId}/members`, { email: 'ghost@example.test', role: 'VIEWER' });
      assert.equal(response.status, 404);
    });
  });

  describe('GET /workspaces/{workspace_id}/members', () => {
    it('lists the members to a VIEWER and answers 404 to an outsider', async () => {
      const members = await cast.viewer.call<{ items: { role: string }[] }>('GET', `/workspaces/${cast.workspaceId}/members`);
      assert.equal(members.status, 200);
      assert.deepEqual(members.body.items.map((member) => member.role).sort(), ['ADMIN', 'ANALYST', 'VIEWER']);
      assert.equal((await outsider.viewer.call('GET', `/workspaces/${cast.workspaceId}/members`)).status, 404);
    });
  });

  describe('PATCH /workspaces/{workspace_id}/members/{user_id}', () => {
    it('answers 403 to a VIEWER and 404 for a user who is not a member', async () => {
      assert.equal((await cast.viewer.call('PATCH', `/workspaces/${cast.workspaceId}/members/${cast.analyst.id}`, { role: 'VIEWER' })).status, 403);
      const stranger = await registerActor(api.url);
      assert.equal((await cast.admin.call('PATCH', `/workspaces/${cast.workspaceId}/members/${stranger.id}`, { role: 'VIEWER' })).status, 404);
    });

    it('changes a role and audits from → to', async () => {
      const response = await cast.admin.call<{ role: string }>('PATCH', `/workspaces/${cast.workspaceId}/members/${cast.viewer.id}`, { role: 'ANALYST' });
      assert.equal(response.status, 200);
      assert.equal(response.body.role, 'ANALYST');
      const [audit] = await clients().knex('audit_logs').where({ workspace_id: cast.workspaceId, action: 'member.role_changed' });
      assert.deepEqual(audit.details, { from: 'VIEWER', to: 'ANALYST' });
    });

    it('never demotes the last ADMIN, even when two demotions race', async () => {
      const lone = await cast.admin.call('PATCH', `/workspaces/${cast.workspaceId}/members/${cast.admin.id}`, { role: 'VIEWER' });
      assert.equal(lone.status, 409);
      await cast.admin.call('PATCH', `/workspaces/${cast.workspaceId}/members/${cast.analyst.id}`, { role: 'ADMIN' });
      const [first, second] = await Promise.all([
        cast.admin.call('PATCH', `/workspaces/${cast.workspaceId}/members/${cast.admin.id}`, { role: 'VIEWER' }),
        cast.analyst.call('PATCH', `/workspaces/${cast.workspaceId}/members/${cast.analyst.id}`, { role: 'VIEWER' }),
      ]);
      assert.deepEqual([first.status, second.status].sort(), [200, 409]);
      const admins = await clients().knex('workspace_members').where({ workspace_id: cast.workspaceId, role: 'ADMIN' });
      assert.equal(admins.length, 1);
    });
  });

  describe('DELETE /workspaces/{workspace_id}/members/{user_id}', () => {
    it('answers 403 to an ANALYST', async () => {
      assert.equal((await cast.analyst.call('DELETE', `/workspaces/${cast.workspaceId}/members/${cast.viewer.id}`)).status, 403);
    });

    it('removes a member, who then sees 404, and audits it', async () => {
      const response = await cast.admin.call('DELETE', `/workspaces/${cast.workspaceId}/members/${cast.viewer.id}`);
      assert.equal(response.status, 204);
      assert.equal((await cast.viewer.call('GET', `/workspaces/${cast.workspaceId}`)).status, 404);
      const audit = await clients().knex('audit_logs').where({ workspace_id: cast.workspaceId, action: 'member.removed' });
      assert.equal(audit.length, 1);
    });

    it('refuses to remove the last ADMIN with 409', async () => {
      const response = await cast.admin.call('DELETE', `/workspaces/${cast.workspaceId}/members/${cast.admin.id}`);
      assert.equal(response.status, 409);
    });
  });
});
