import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { registerActor } from '../../helpers/actors';
import { startTestApi, type TestApi } from '../../helpers/api';
import { openTestClients, resetState, type TestClients } from '../../helpers/clients';
import { metricFamilies, promtool } from '../../helpers/promtool';

describe("the API's /metrics", function () {
  this.timeout(60000);
  let clients: TestClients;
  let api: TestApi;

  before(async () => {
    // After one failed login, each attempt waits 1.5 s: a request that stays in flight.
    clients = await openTestClients({ LOGIN_SLOWDOWN_AFTER: '1', LOGIN_SLOWDOWN_STEP_MS: '1500', LOGIN_SLOWDOWN_MAX_MS: '1500' });
    await resetState(clients);
    api = await startTestApi(clients);
  });

  after(async () => {
    await api?.close();
    await clients?.close();
  });

  const scrape = async () => (await fetch(`${api.url}/metrics`)).text();

  it('labels requests by route template, never by raw URL, and unknown paths as unmatched', async () => {
    const id = randomUUID();
    const user = await registerActor(api.url, 'metrics');
    assert.equal((await user.call('GET', `/workspaces/${id}`)).status, 404);
    assert.equal((await fetch(`${api.url}/no/such/${id}`)).status, 404);
    const text = await scrape();
    assert.match(text, /http_requests_total\{method="GET",route="\/workspaces\/:workspace_id",status="404"\} 1/);
    assert.match(text, /http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    assert.match(text, /http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/auth\/register",status="201"\}/);
    assert.ok(!text.includes(id), 'a raw id reached a label');
  });

  it('counts the requests in flight while they are served', async () => {
    const email = `inflight-${randomUUID().slice(0, 8)}@example.test`;
    const login = (password: string) =>
      fetch(`${api.url}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
    assert.equal((await login('wrong password')).status, 401);
    const slow = [login('wrong password'), login('wrong password')];
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The two slowed logins, and this scrape itself.
    assert.match(await scrape(), /^http_requests_in_flight 3$/m);
    await Promise.all(slow);
    assert.match(await scrape(), /^http_requests_in_flight 1$/m);
  });

  it('serves default process metrics and passes promtool check metrics', async () => {
    const text = await scrape();
    const families = metricFamilies(text);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(families.has(name), `no ${name}`);
    }
    const result = await promtool(['check', 'metrics'], text);
    assert.equal(result.code, 0, result.output);
    assert.equal(result.output.trim(), '');
  });
});
