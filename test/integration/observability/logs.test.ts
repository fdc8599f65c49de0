import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { requestJson } from '../../helpers/http';
import { spawnEntry, type SpawnedProcess } from '../../helpers/spawn';
import { TEST_ENV } from '../../helpers/test-env';
import { freePort } from '../../helpers/throwaway-service';

type LogLine = Record<string, unknown>;

/** The real API process at its most verbose, driven through register and login. */
describe('the API logs', function () {
  this.timeout(90000);
  const password = `correct horse ${randomUUID()}`;
  const wrongPassword = `wrong horse ${randomUUID()}`;
  const shortPassword = 'short-9f3a';
  const email = `logs-${randomUUID().slice(0, 8)}@example.test`;
  const secrets: string[] = [password, wrongPassword, shortPassword, String(TEST_ENV.SECRET_KEY)];
  let api: SpawnedProcess;
  let lines: LogLine[];
  let userId: string;
  let workspaceId: string;

  before(async () => {
    const port = await freePort();
    api = spawnEntry('api/server.ts', { ...TEST_ENV, LOG_LEVEL: 'trace', API_PORT: String(port) });
    await api.waitForOutput(/api listening/);
    const url = `http://127.0.0.1:${port}`;
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      requestJson<{ access_token?: string; user?: { id: string }; id?: string }>(`${url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    const registered = await post('/auth/register', { email, password }, { 'X-Request-Id': 'logs-test-register' });
    assert.equal(registered.status, 201);
    userId = registered.body.user!.id;
    assert.equal((await post('/auth/register', { email, password: wrongPassword })).status, 409);
    assert.equal((await post('/auth/register', { email: `other-${email}`, password: shortPassword })).status, 422);
    assert.equal((await post('/auth/login', { email, password: wrongPassword })).status, 401);
    const login = await post('/auth/login', { email, password });
    assert.equal(login.status, 200);
    const token = login.body.access_token!;
    secrets.push(registered.body.access_token!, token);
    const auth = { Authorization: `Bearer ${token}` };
    assert.equal((await requestJson(`${url}/auth/me`, { headers: auth })).status, 200);
    const workspace = await post('/workspaces', { name: 'logged workspace' }, auth);
    workspaceId = workspace.body.id!;
    assert.equal((await requestJson(`${url}/workspaces/${workspaceId}`, { headers: auth })).status, 200);

    api.child.kill('SIGTERM');
    assert.equal(await api.exited, 0);
    lines = api
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        assert.ok(line.startsWith('{'), `not a JSON line: ${line}`);
        return JSON.parse(line) as LogLine;
      });
  });

  after(() => {
    api?.child.kill('SIGKILL');
  });

  it('never contain a password, a token or the secret key, at trace level, across register and login', () => {
    const text = lines.map((line) => JSON.stringify(line)).join('\n');
    for (const secret of secrets) assert.ok(!text.includes(secret), `a secret was logged: ${secret.slice(0, 12)}…`);
    assert.doesNotMatch(text, /\$argon2/, 'a password hash was logged');
  });

  it('write one JSON line per request with its request id, the route template and the status', () => {
    const requests = lines.filter((line) => line.msg === 'request');
    assert.ok(requests.length >= 8, `${requests.length} request lines`);
    for (const line of requests) {
      assert.match(String(line.request_id), /^[A-Za-z0-9._-]+$/);
      assert.equal(typeof line.route, 'string');
      assert.equal(typeof line.status, 'number');
    }
    assert.ok(requests.some((line) => line.request_id === 'logs-test-register' && line.route === '/auth/register'));
  });

  it('add the user id once the caller is authenticated, and the workspace id inside a workspace', () => {
    const me = lines.find((line) => line.msg === 'request' && line.route === '/auth/me');
    assert.equal(me?.user_id, userId);
    const inWorkspace = lines.find((line) => line.msg === 'request' && line.route === '/workspaces/:workspace_id');
    assert.deepEqual([inWorkspace?.user_id, inWorkspace?.workspace_id], [userId, workspaceId]);
  });
});
