import assert from 'node:assert/strict';
import type { Readiness } from '../../api/readiness';
import { postgres } from '../../scripts/stack/services/postgres';
import { redis } from '../../scripts/stack/services/redis';
import { s3 } from '../../scripts/stack/services/s3';
import type { ServiceDefinition } from '../../scripts/stack/services/service';
import { temporal } from '../../scripts/stack/services/temporal';
import { openTestClients, type TestClients } from '../helpers/clients';
import { startTestApi } from '../helpers/api';
import { requestJson, type TestServer } from '../helpers/http';
import { startThrowaway } from '../helpers/throwaway-service';

// Every answer fresh: these tests stop a server and ask again at once.
const serveReadiness = (clients: TestClients): Promise<TestServer> => startTestApi(clients, { readinessCacheMs: 0 });

type Part = Exclude<keyof Readiness, 'ok'>;

const cases: [Part, ServiceDefinition, (port: number) => NodeJS.ProcessEnv][] = [
  ['db', postgres, (port) => ({ DATABASE_URL: `postgres://osint:osint@127.0.0.1:${port}/osint_readiness` })],
  ['redis', redis, (port) => ({ REDIS_URL: `redis://127.0.0.1:${port}/0` })],
  ['temporal', temporal, (port) => ({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` })],
  ['storage', s3, (port) => ({ MINIO_ENDPOINT: `127.0.0.1:${port}` })],
];

describe('GET /readyz', function () {
  this.timeout(90000);

  it('answers 200 with every part true while the whole stack is up', async () => {
    const clients = await openTestClients();
    const server = await serveReadiness(clients);
    try {
      const response = await requestJson(`${server.url}/readyz`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { ok: true, db: true, redis: true, temporal: true, storage: true });
    } finally {
      await server.close();
      await clients.close();
    }
  });

  for (const [part, service, envFor] of cases) {
    it(`answers 503 naming ${part} as down once the ${service.name} server stops`, async () => {
      const throwaway = await startThrowaway(service, envFor);
      const clients = await openTestClients(throwaway.env);
      const server = await serveReadiness(clients);
      try {
        const before = await requestJson<Readiness>(`${server.url}/readyz`);
        assert.deepEqual(before.body, { ok: true, db: true, redis: true, temporal: true, storage: true });

        await throwaway.stop();
        const after = await requestJson<Readiness>(`${server.url}/readyz`);
        assert.equal(after.status, 503);
        const expected: Readiness = { ok: false, db: true, redis: true, temporal: true, storage: true };
        expected[part] = false;
        assert.deepEqual(after.body, expected);
      } finally {
        await server.close();
        await clients.close();
        await throwaway.stop();
      }
    });
  }
});

describe('GET /healthz', () => {
  it('answers {"ok": true} while the process runs', async () => {
    const clients = await openTestClients();
    const server = await startTestApi(clients);
    try {
      const response = await requestJson(`${server.url}/healthz`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { ok: true });
    } finally {
      await server.close();
      await clients.close();
    }
  });

  it('answers an unknown route with 404 in the one error shape', async () => {
    const clients = await openTestClients();
    const server = await startTestApi(clients);
    try {
      const response = await requestJson(`${server.url}/nowhere`);
      assert.equal(response.status, 404);
      assert.deepEqual(response.body, { error: { code: 'not_found', message: 'Route not found', details: null } });
    } finally {
      await server.close();
      await clients.close();
    }
  });
});
