import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { startTestApi, type TestApi } from '../../helpers/api';
import { callAs, registerActor } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

const PASSWORD = 'correct horse battery staple';

describe('auth', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  before(async () => {
    api = await startTestApi(clients());
  });
  after(async () => api.close());

  const post = (path: string, body: unknown) => callAs(api.url, undefined, 'POST', path, body);

  describe('POST /auth/register', () => {
    it('answers 422 naming each bad field', async () => {
      const response = await post('/auth/register', { email: 'not-an-email', password: 'short' });
      assert.equal(response.status, 422);
      const fields = (response.body as { error: { details: { fields: { field: string }[] } } }).error.details.fields;
      assert.deepEqual(fields.map((field) => field.field).sort(), ['body.email', 'body.password']);
    });

    it('creates the account, returns a token and never the password hash', async () => {
      const response = await post('/auth/register', { email: 'Alice@Example.Test', password: PASSWORD, display_name: 'Alice' });
      assert.equal(response.status, 201);
      const body = response.body as { token_type: string; access_token: unknown; user: Record<string, string> };
      assert.equal(body.token_type, 'Bearer');
      assert.equal(typeof body.access_token, 'string');
      assert.deepEqual(Object.keys(body.user).sort(), ['created_at', 'display_name', 'email', 'id']);
      assert.equal(body.user.email, 'alice@example.test');
      assert.ok(!JSON.stringify(body).includes('argon2'));
      const stored = await clients().knex('users').where({ id: body.user.id }).first();
      assert.match(stored.password_hash, /^\$argon2id\$/);
    });

    it('answers 409 for an email that is already registered, whatever its case', async () => {
      assert.equal((await post('/auth/register', { email: 'bob@example.test', password: PASSWORD })).status, 201);
      const again = await post('/auth/register', { email: 'BOB@example.test', password: PASSWORD });
      assert.equal(again.status, 409);
      assert.equal((again.body as { error: { code: string } }).error.code, 'conflict');
    });

    it('writes an audit row in the same transaction as the account', async () => {
      const actor = await registerActor(api.url);
      const rows = await clients().knex('audit_logs').where({ actor_id: actor.id, action: 'user.registered' });
      assert.equal(rows.length, 1);
    });
  });

  describe('POST /auth/login', () => {
    it('answers 401 for a wrong password and for an unknown account alike', async () => {
      const actor = await registerActor(api.url);
      const wrong = await post('/auth/login', { email: actor.email, password: 'wrong password!' });
      const unknown = await post('/auth/login', { email: 'nobody@example.test', password: PASSWORD });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.deepEqual(wrong.body, unknown.body);
    });

    it('returns a token that authenticates GET /auth/me', async () => {
      const actor = await registerActor(api.url);
      const login = await post('/auth/login', { email: actor.email.toUpperCase(), password: PASSWORD });
      assert.equal(login.status, 200);
      const token = (login.body as { access_token: string }).access_token;
      const me = await callAs(api.url, token, 'GET', '/auth/me');
      assert.equal(me.status, 200);
      assert.equal((me.body as { id: string }).id, actor.id);
    });

    it('slows repeated failures for an account, then refuses them with 429 and Retry-After', async () => {
      const actor = await registerActor(api.url);
      const { slowdownAfter, maxFailuresPerAccount } = clients().config.login;
      const durations: number[] = [];
      for (let attempt = 0; attempt < maxFailuresPerAccount; attempt += 1) {
        const started = Date.now();
        const response = await post('/auth/login', { email: actor.email, password: 'wrong password!' });
        durations.push(Date.now() - started);
        assert.equal(response.status, 401);
      }
      const refused = await post('/auth/login', { email: actor.email, password: PASSWORD });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      const early = Math.max(...durations.slice(0, slowdownAfter - 1));
      const late = durations[durations.length - 1]!;
      assert.ok(late >= early + clients().config.login.slowdownStepMs, `late attempts slowed (early ${early} ms, last ${late} ms)`);
    });

    it('lets no more guesses through than the account allows when they all arrive at once', async () => {
      const actor = await registerActor(api.url);
      const { maxFailuresPerAccount } = clients().config.login;
      const guesses = await Promise.all(
        Array.from({ length: maxFailuresPerAccount * 3 }, () => post('/auth/login', { email: actor.email, password: 'wrong password!' })),
      );
      const statuses = guesses.map((response) => response.status);
      assert.equal(statuses.filter((status) => status === 401).length, maxFailuresPerAccount, statuses.join(','));
      assert.equal(statuses.filter((status) => status === 429).length, maxFailuresPerAccount * 2);
      assert.equal((await post('/auth/login', { email: actor.email, password: PASSWORD })).status, 429);
    });

    it('does not count successful logins against the address', async () => {
      const actor = await registerActor(api.url);
      for (let attempt = 0; attempt < 3; attempt += 1) assert.equal((await post('/auth/login', { email: actor.email, password: PASSWORD })).status, 200);
      const [ipKey] = await clients().redis.keys('login-fail:ip*');
      assert.ok(!ipKey || Number(await clients().redis.get(ipKey)) === 0, `the address counts ${ipKey && (await clients().redis.get(ipKey))}`);
    });

    it('keeps the failure count in Redis, shared by every API process', async () => {
      const actor = await registerActor(api.url);
      await post('/auth/login', { email: actor.email, password: 'wrong password!' });
      const keys = await clients().redis.keys('login-fail:account*');
      assert.ok(keys.some((key) => key.includes(actor.email)), keys.join(', '));
    });
  });

  describe('GET /auth/me', () => {
    it('answers 401 without a token, with a forged token, and with an expired one', async () => {
      const forged = jwt.sign({ sub: '00000000-0000-0000-0000-000000000000' }, 'another-secret-that-is-long-enough-000');
      const expired = jwt.sign({ sub: '00000000-0000-0000-0000-000000000000', exp: 1 }, clients().config.secretKey);
      for (const token of [undefined, 'garbage', forged, expired]) {
        const response = await callAs(api.url, token, 'GET', '/auth/me');
        assert.equal(response.status, 401);
        assert.equal((response.body as { error: { code: string } }).error.code, 'unauthorized');
      }
    });

    it('answers 401 for a valid token whose user no longer exists', async () => {
      const actor = await registerActor(api.url);
      await clients().knex('users').where({ id: actor.id }).delete();
      assert.equal((await actor.call('GET', '/auth/me')).status, 401);
    });
  });
});
