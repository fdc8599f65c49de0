import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { READINESS_CACHE_MS } from '../../../api/readiness';
import { startTestApi, type TestApi } from '../../helpers/api';
import { openTestClients, type TestClients } from '../../helpers/clients';
import { requestJson } from '../../helpers/http';

describe('GET /readyz under load', function () {
  this.timeout(30000);
  let clients: TestClients;
  let api: TestApi;
  let checks = 0;
  const countChecks = (query: Knex.Sql) => {
    if (/^select 1$/i.test(query.sql.trim())) checks += 1;
  };

  before(async () => {
    clients = await openTestClients();
    clients.knex.on('query', countChecks);
    api = await startTestApi(clients, { readinessCacheMs: READINESS_CACHE_MS });
  });

  after(async () => {
    clients?.knex.off('query', countChecks);
    await api?.close();
    await clients?.close();
  });

  it('checks the database at most once a second, however many probes ask', async () => {
    checks = 0;
    const started = Date.now();
    const burst = await Promise.all(Array.from({ length: 25 }, () => requestJson(`${api.url}/readyz`)));
    for (let i = 0; i < 25; i += 1) burst.push(await requestJson(`${api.url}/readyz`));
    const elapsed = Date.now() - started;
    assert.ok(burst.every((response) => response.status === 200));
    assert.deepEqual(burst[0]?.body, { ok: true, db: true, redis: true, temporal: true, storage: true });
    assert.ok(checks <= Math.ceil(elapsed / READINESS_CACHE_MS), `${checks} checks for 50 probes in ${elapsed} ms`);

    await new Promise((resolve) => setTimeout(resolve, READINESS_CACHE_MS + 100));
    const before = checks;
    assert.equal((await requestJson(`${api.url}/readyz`)).status, 200);
    assert.equal(checks, before + 1, 'a second later the dependencies are checked again');
  });
});
