import assert from 'node:assert/strict';
import { createLogger } from '../../../core/logger';
import { createKnex } from '../../../db/knex';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

describe('behaviour every endpoint shares', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  let cast: WorkspaceCast;
  before(async () => {
    api = await startTestApi(clients());
  });
  beforeEach(async () => {
    cast = await createWorkspaceCast(api.url);
  });
  after(async () => api.close());

  const send = (body: string, contentType: string) =>
    fetch(`${api.url}/workspaces`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${cast.admin.token}`, 'Content-Type': contentType },
      body,
    });

  it('answers 415 to a body that is not JSON', async () => {
    const response = await send('name=x', 'application/x-www-form-urlencoded');
    assert.equal(response.status, 415);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');
  });

  it('answers 400 to malformed JSON and to a JSON scalar', async () => {
    for (const body of ['{"name": ', '"just a string"']) {
      const response = await send(body, 'application/json');
      assert.equal(response.status, 400, body);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'bad_request');
    }
  });

  it('answers 413 to a body over the limit, and writes nothing', async () => {
    const response = await send(JSON.stringify({ name: 'x'.repeat(200 * 1024) }), 'application/json');
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'payload_too_large');
    const rows = await clients().knex('workspaces').where({ created_by: cast.admin.id });
    assert.equal(rows.length, 1);
  });

  it('answers a failure inside with 500 and a generic message, never a stack trace', async () => {
    const broken = createKnex(
      { url: 'postgres://osint:wrong-password@127.0.0.1:5432/osint_test', poolMax: 1 },
      createLogger({ name: 'test', level: 'silent' }),
    );
    const brokenApi = await startTestApi({ ...clients(), knex: broken });
    try {
      const response = await fetch(`${brokenApi.url}/workspaces`, { headers: { Authorization: `Bearer ${cast.admin.token}` } });
      const text = await response.text();
      assert.equal(response.status, 500);
      assert.deepEqual(JSON.parse(text), { error: { code: 'internal_error', message: 'Internal server error', details: null } });
      assert.doesNotMatch(text, /password|at \w+ \(|\.ts:\d+/);
    } finally {
      await brokenApi.close();
      await broken.destroy();
    }
  });

  it('answers 503 query_timeout when a statement outlasts the API statement timeout, and the pool keeps serving', async () => {
    const limited = createKnex(clients().config.database, createLogger({ name: 'test', level: 'silent' }), { statementTimeoutMs: 300 });
    const limitedApi = await startTestApi({ ...clients(), knex: limited });
    const findings = () => fetch(`${limitedApi.url}/workspaces/${cast.workspaceId}/findings`, { headers: { Authorization: `Bearer ${cast.viewer.token}` } });
    try {
      // A lock held elsewhere makes the listing wait, and lock waits count towards the timeout.
      const locker = await clients().knex.transaction();
      try {
        await locker.raw('LOCK TABLE findings IN ACCESS EXCLUSIVE MODE');
        const started = Date.now();
        const response = await findings();
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.equal(response.status, 503);
        assert.equal(body.error.code, 'query_timeout');
        assert.ok(Date.now() - started < 5000, 'cancelled by the timeout, not by the lock going away');
      } finally {
        await locker.rollback();
      }
      assert.equal((await findings()).status, 200);
    } finally {
      await limitedApi.close();
      await limited.destroy();
    }
  });

  it('echoes a request id, or makes one, on every response', async () => {
    const given = await fetch(`${api.url}/healthz`, { headers: { 'X-Request-Id': 'trace-123' } });
    assert.equal(given.headers.get('x-request-id'), 'trace-123');
    const made = await fetch(`${api.url}/healthz`);
    assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
