import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../helpers/api';
import { callAs, createWorkspaceCast, type Actor, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

type ErrorBody = { error: { code: string; message: string; details: { fields?: { field: string; message: string }[] } | null } };
type TargetBody = { id: string; workspace_id: string; type: string; value: string; original_value: string; created_at: string };
type Page<T> = { items: T[]; next_cursor: string | null };

const fieldsOf = (body: unknown) => ((body as ErrorBody).error.details?.fields ?? []).map((field) => field.field);
const TARGET_KEYS = ['created_at', 'id', 'original_value', 'type', 'value', 'workspace_id'];
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('targets', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  let cast: WorkspaceCast;
  let outsider: WorkspaceCast;
  const targetsPath = (workspaceId = cast.workspaceId) => `/workspaces/${workspaceId}/targets`;
  const addTarget = (actor: Actor, type: string, value: string, workspaceId = cast.workspaceId) =>
    actor.call<TargetBody>('POST', `${targetsPath(workspaceId)}/${type}`, { value });
  const countRows = async (table: string, where: Record<string, unknown>) =>
    Number((await clients().knex(table).where(where).count<{ count: string }[]>('* as count'))[0]!.count);

  before(async () => {
    api = await startTestApi(clients());
  });
  beforeEach(async () => {
    [cast, outsider] = await Promise.all([createWorkspaceCast(api.url, 'case'), createWorkspaceCast(api.url, 'other')]);
  });
  after(async () => api.close());

  describe('POST /workspaces/{workspace_id}/targets/{email|domain}', () => {
    it('answers 401 without a token', async () => {
      for (const type of ['email', 'domain']) {
        const response = await callAs(api.url, undefined, 'POST', `${targetsPath()}/${type}`, { value: 'example.com' });
        assert.equal(response.status, 401);
      }
    });

    it('answers 422 naming body.value when it is missing, and any unknown field', async () => {
      const response = await cast.analyst.call('POST', `${targetsPath()}/domain`, { domain: 'example.com' });
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body).sort(), ['body.domain', 'body.value']);
    });

    const malformed: [string, string, RegExp][] = [
      ['email', 'no-at-sign', /name@domain/],
      ['email', 'a b@example.com', /before @/],
      ['email', 'alice@localhost', /domain that needs at least two labels/],
      ['domain', 'http://example.com/path', /bare domain name/],
      ['domain', '192.168.0.1', /not an IP address/],
      ['domain', 'localhost', /at least two labels/],
      ['domain', 'exa_mple.com', /invalid label "exa_mple"/],
    ];
    for (const [type, value, reason] of malformed) {
      it(`answers 422 naming body.value with the reason for the ${type} "${value}", and stores nothing`, async () => {
        const response = await addTarget(cast.analyst, type, value);
        assert.equal(response.status, 422);
        const [problem] = (response.body as unknown as ErrorBody).error.details!.fields!;
        assert.equal(problem!.field, 'body.value');
        assert.match(problem!.message, reason);
        assert.equal(await countRows('targets', {}), 0);
      });
    }

    it('answers 404 to a member of another workspace, with nothing of the workspace in the body', async () => {
      await addTarget(cast.analyst, 'domain', 'secret-case.example');
      const response = await addTarget(outsider.admin, 'domain', 'secret-case.example');
      assert.equal(response.status, 404);
      assert.equal((response.body as unknown as ErrorBody).error.code, 'not_found');
      assert.ok(!JSON.stringify(response.body).includes('secret-case'));
      assert.equal(await countRows('targets', {}), 1);
    });

    it('answers 403 to a VIEWER', async () => {
      const response = await addTarget(cast.viewer, 'domain', 'example.com');
      assert.equal(response.status, 403);
      assert.equal(await countRows('targets', {}), 0);
    });

    it('creates a target with 201 and answers the full target', async () => {
      const response = await addTarget(cast.analyst, 'email', 'Alice@Example.com');
      assert.equal(response.status, 201);
      assert.deepEqual(Object.keys(response.body).sort(), TARGET_KEYS);
      assert.equal(response.body.workspace_id, cast.workspaceId);
      assert.equal(response.body.type, 'email');
      assert.equal(response.body.value, 'alice@example.com');
      assert.equal(response.body.original_value, 'Alice@Example.com');
      assert.ok(!Number.isNaN(Date.parse(response.body.created_at)));
    });

    const normalizations: [string, string, string][] = [
      ['domain', 'Example.COM', 'example.com'],
      ['domain', 'example.com.', 'example.com'],
      ['domain', '  Sub.Example.com.  ', 'sub.example.com'],
      ['domain', 'Bücher.example', 'xn--bcher-kva.example'],
      ['email', 'Alice@EXAMPLE.com.', 'alice@example.com'],
      ['email', 'info@München.de', 'info@xn--mnchen-3ya.de'],
    ];
    for (const [type, input, normalized] of normalizations) {
      it(`stores the ${type} "${input}" as "${normalized}"`, async () => {
        const response = await addTarget(cast.analyst, type, input);
        assert.equal(response.status, 201);
        assert.equal(response.body.value, normalized);
        assert.equal(response.body.original_value, input);
      });
    }

    it('returns the existing target with 200 when the same normalized value is added again', async () => {
      const first = await addTarget(cast.analyst, 'domain', 'bücher.example');
      const second = await addTarget(cast.admin, 'domain', 'XN--BCHER-KVA.example.');
      assert.equal(first.status, 201);
      assert.equal(second.status, 200);
      assert.deepEqual(second.body, first.body);
      assert.equal(await countRows('targets', { workspace_id: cast.workspaceId }), 1);
    });

    it('keeps the same domain in two workspaces as two separate targets', async () => {
      const ours = await addTarget(cast.analyst, 'domain', 'example.com');
      const theirs = await addTarget(outsider.admin, 'domain', 'example.com', outsider.workspaceId);
      assert.equal(ours.status, 201);
      assert.equal(theirs.status, 201);
      assert.notEqual(ours.body.id, theirs.body.id);
    });

    it('audits target.created in the workspace only for the request that created the target', async () => {
      const created = await addTarget(cast.analyst, 'domain', 'example.com');
      await addTarget(cast.analyst, 'domain', 'EXAMPLE.com');
      const audit = await clients().knex('audit_logs').where({ action: 'target.created' });
      assert.equal(audit.length, 1);
      assert.equal(audit[0].workspace_id, cast.workspaceId);
      assert.equal(audit[0].entity_type, 'target');
      assert.equal(audit[0].entity_id, created.body.id);
      assert.equal(audit[0].actor_id, cast.analyst.id);
      assert.deepEqual(audit[0].details, { type: 'domain', value: 'example.com' });
    });

    it('creates exactly one row and one audit row when twenty identical requests race', async () => {
      const responses = await Promise.all(Array.from({ length: 20 }, () => addTarget(cast.analyst, 'email', 'race@example.com')));
      assert.deepEqual(responses.map((response) => response.status).sort(), [...Array<number>(19).fill(200), 201]);
      assert.equal(new Set(responses.map((response) => response.body.id)).size, 1);
      assert.equal(await countRows('targets', { workspace_id: cast.workspaceId }), 1);
      assert.equal(await countRows('audit_logs', { action: 'target.created' }), 1);
    });
  });

  describe('GET /workspaces/{workspace_id}/targets', () => {
    it('answers 401 without a token', async () => {
      assert.equal((await callAs(api.url, undefined, 'GET', targetsPath())).status, 401);
    });

    it('answers 422 naming query.type, query.limit and query.cursor when they are invalid', async () => {
      assert.deepEqual(fieldsOf((await cast.viewer.call('GET', `${targetsPath()}?type=ip`)).body), ['query.type']);
      assert.deepEqual(fieldsOf((await cast.viewer.call('GET', `${targetsPath()}?limit=0`)).body), ['query.limit']);
      assert.deepEqual(fieldsOf((await cast.viewer.call('GET', `${targetsPath()}?cursor=bm9wZQ`)).body), ['query.cursor']);
    });

    it("answers 404 to a member of another workspace, with none of the workspace's targets", async () => {
      await addTarget(cast.analyst, 'domain', 'secret-case.example');
      const response = await outsider.admin.call('GET', targetsPath());
      assert.equal(response.status, 404);
      assert.ok(!JSON.stringify(response.body).includes('secret-case'));
    });

    it('shows a VIEWER every target of the workspace page by page, newest first, without duplicates or gaps', async () => {
      const created: string[] = [];
      for (let index = 0; index < 7; index += 1) {
        created.push((await addTarget(cast.analyst, index % 2 ? 'email' : 'domain', index % 2 ? `user${index}@example.com` : `site${index}.example`)).body.id);
      }
      await addTarget(outsider.admin, 'domain', 'theirs.example', outsider.workspaceId);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
        const page: { status: number; body: Page<TargetBody> } = await cast.viewer.call<Page<TargetBody>>('GET', `${targetsPath()}${query}`);
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 3);
        for (const item of page.body.items) assert.deepEqual(Object.keys(item).sort(), TARGET_KEYS);
        seen.push(...page.body.items.map((item) => item.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, [...created].reverse());
    });

    it('lists only the targets of the requested type', async () => {
      await addTarget(cast.analyst, 'domain', 'example.com');
      await addTarget(cast.analyst, 'email', 'alice@example.com');
      await addTarget(cast.analyst, 'email', 'bob@example.com');
      const emails = await cast.viewer.call<Page<TargetBody>>('GET', `${targetsPath()}?type=email`);
      assert.deepEqual(emails.body.items.map((item) => item.value).sort(), ['alice@example.com', 'bob@example.com']);
      const domains = await cast.viewer.call<Page<TargetBody>>('GET', `${targetsPath()}?type=domain`);
      assert.deepEqual(domains.body.items.map((item) => item.value), ['example.com']);
      assert.equal(domains.body.next_cursor, null);
    });
  });

  describe('GET /workspaces/{workspace_id}/targets/{target_id}', () => {
    it('answers 401 without a token', async () => {
      const target = await addTarget(cast.analyst, 'domain', 'example.com');
      assert.equal((await callAs(api.url, undefined, 'GET', `${targetsPath()}/${target.body.id}`)).status, 401);
    });

    it('answers 404 for an id that is not a UUID, as for one that does not exist', async () => {
      const malformed = await cast.viewer.call('GET', `${targetsPath()}/not-a-uuid`);
      const missing = await cast.viewer.call('GET', `${targetsPath()}/${MISSING_ID}`);
      assert.equal(malformed.status, 404);
      assert.equal(missing.status, 404);
    });

    it('answers 404 when the target belongs to another workspace, with none of its data', async () => {
      const theirs = await addTarget(outsider.admin, 'domain', 'secret-case.example', outsider.workspaceId);
      const response = await cast.admin.call('GET', `${targetsPath()}/${theirs.body.id}`);
      assert.equal(response.status, 404);
      assert.deepEqual(response.body, { error: { code: 'not_found', message: 'Target not found', details: null } });
    });

    it('shows a VIEWER the target', async () => {
      const created = await addTarget(cast.analyst, 'email', 'Alice@Example.com');
      const response = await cast.viewer.call<TargetBody>('GET', `${targetsPath()}/${created.body.id}`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, created.body);
    });
  });
});
