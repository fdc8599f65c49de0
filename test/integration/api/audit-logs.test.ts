import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../helpers/api';
import { callAs, createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

type ErrorBody = { error: { code: string; message: string; details: { fields?: { field: string; message: string }[] } | null } };
type AuditBody = {
  id: string;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  created_at: string;
};
type Page<T> = { items: T[]; next_cursor: string | null };

const fieldsOf = (body: unknown) => ((body as ErrorBody).error.details?.fields ?? []).map((field) => field.field).sort();
const AUDIT_KEYS = ['action', 'actor_id', 'created_at', 'details', 'entity_id', 'entity_type', 'id', 'ip'];

describe('audit logs', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  let cast: WorkspaceCast;
  let outsider: WorkspaceCast;
  const path = (workspaceId = cast.workspaceId) => `/workspaces/${workspaceId}/audit-logs`;

  before(async () => {
    api = await startTestApi(clients());
  });
  beforeEach(async () => {
    [cast, outsider] = await Promise.all([createWorkspaceCast(api.url, 'case'), createWorkspaceCast(api.url, 'other')]);
  });
  after(async () => api.close());

  describe('GET /workspaces/{workspace_id}/audit-logs', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', path());
      assert.equal(response.status, 401);
    });

    it('answers 422 naming each bad filter', async () => {
      const response = await cast.admin.call('GET', `${path()}?actor_id=someone&action=member%00added&limit=1000`);
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['query.action', 'query.actor_id', 'query.limit']);
    });

    it('answers 404 to a non-member, with nothing of the workspace in the body', async () => {
      const response = await outsider.admin.call('GET', path());
      assert.equal(response.status, 404);
      assert.ok(!JSON.stringify(response.body).includes(cast.analyst.id));
    });

    it('answers 403 to an ANALYST and a VIEWER', async () => {
      for (const actor of [cast.analyst, cast.viewer]) {
        const response = await actor.call<ErrorBody>('GET', path());
        assert.equal(response.status, 403);
        assert.equal(response.body.error.code, 'forbidden');
      }
    });

    it("answers an ADMIN with the workspace's trail, newest first, and nothing of other workspaces", async () => {
      const response = await cast.admin.call<Page<AuditBody>>('GET', path());
      assert.equal(response.status, 200);
      assert.equal(response.body.next_cursor, null);
      for (const item of response.body.items) assert.deepEqual(Object.keys(item).sort(), AUDIT_KEYS);
      assert.deepEqual(response.body.items.map((item) => item.action), ['member.added', 'member.added', 'workspace.created']);
      const ids = response.body.items.map((item) => BigInt(item.id));
      assert.deepEqual(ids, [...ids].sort((a, b) => (a > b ? -1 : 1)));
      const [viewerAdded] = response.body.items;
      assert.equal(viewerAdded!.actor_id, cast.admin.id);
      assert.equal(viewerAdded!.entity_type, 'user');
      assert.equal(viewerAdded!.entity_id, cast.viewer.id);
      assert.deepEqual(viewerAdded!.details, { role: 'VIEWER' });
      assert.equal(viewerAdded!.ip, '127.0.0.1');
      const text = JSON.stringify(response.body);
      for (const foreign of [outsider.workspaceId, outsider.admin.id, outsider.viewer.id]) assert.ok(!text.includes(foreign));
    });

    it('filters by action and actor, and pages with a cursor', async () => {
      const list = async (query: string) => (await cast.admin.call<Page<AuditBody>>('GET', `${path()}?${query}`)).body;
      assert.deepEqual((await list('action=member.added')).items.map((item) => item.entity_id).sort(), [cast.analyst.id, cast.viewer.id].sort());
      assert.equal((await list(`actor_id=${cast.admin.id}`)).items.length, 3);
      assert.deepEqual((await list(`actor_id=${cast.viewer.id}`)).items, []);
      assert.deepEqual((await list("action=' OR 1=1 --")).items, []);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<AuditBody> = await list(`limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((item) => item.action));
        cursor = page.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, ['member.added', 'member.added', 'workspace.created']);
    });

    it('shows later changes, such as a role change, at the top', async () => {
      const changed = await cast.admin.call('PATCH', `/workspaces/${cast.workspaceId}/members/${cast.viewer.id}`, { role: 'ANALYST' });
      assert.equal(changed.status, 200);
      const response = await cast.admin.call<Page<AuditBody>>('GET', `${path()}?limit=1`);
      assert.equal(response.body.items[0]!.action, 'member.role_changed');
      assert.deepEqual(response.body.items[0]!.details, { from: 'VIEWER', to: 'ANALYST' });
      assert.notEqual(response.body.next_cursor, null);
    });
  });
});
