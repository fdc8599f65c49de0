/** The real API app on a random loopback port, wired to the real test stack. */
import { Client } from '@temporalio/client';
import { buildApp, type BuiltApp } from '../../api/app';
import { MembershipCache } from '../../api/auth/membership-cache';
import { createReadinessProbe } from '../../api/readiness';
import { createLogger, type Logger } from '../../core/logger';
import { createApiMetrics } from '../../core/metrics';
import { openTestClients, type TestClients } from './clients';
import { serve, type TestServer } from './http';
import { freePort } from './throwaway-service';

/** A running API and the declarations it serves. */
export interface TestApi extends TestServer {
  readonly built: BuiltApp;
}

/**
 * Builds the app from `clients` (config included) and serves it; `logger` replaces the
 * configured one, `readinessCacheMs` the production reuse of a /readyz answer (0: never reused).
 */
export async function startTestApi(clients: TestClients, options: { logger?: Logger; readinessCacheMs?: number } = {}): Promise<TestApi> {
  const logger = options.logger ?? createLogger({ name: 'api', level: clients.config.logLevel });
  const checkReadiness = createReadinessProbe({
    ...clients,
    temporal: clients.temporalProbe,
    temporalNamespace: clients.config.temporal.namespace,
    timeoutMs: 1000,
    cacheMs: options.readinessCacheMs,
  });
  const memberships = new MembershipCache({
    publisher: clients.redis,
    subscriber: clients.redis.duplicate(),
    ttlMs: clients.config.api.accessCacheTtlMs,
    logger,
  });
  await memberships.start();
  const built = buildApp({
    ...clients,
    logger,
    checkReadiness,
    metrics: createApiMetrics(),
    temporal: new Client({ connection: clients.temporal, namespace: clients.config.temporal.namespace }),
    memberships,
  });
  const server = await serve(built.app);
  return {
    ...server,
    built,
    close: async () => {
      await server.close();
      await memberships.close();
    },
  };
}

/**
 * Runs `body` against an API whose Temporal address is a free loopback port (nothing answers)
 * and whose API_TEMPORAL_TIMEOUT_MS is 1000, then closes the API and its clients.
 */
export async function withOfflineTemporalApi<T>(body: (api: TestApi) => Promise<T>): Promise<T> {
  const offline = await openTestClients({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, API_TEMPORAL_TIMEOUT_MS: '1000' });
  try {
    const api = await startTestApi(offline);
    try {
      return await body(api);
    } finally {
      await api.close();
    }
  } finally {
    await offline.close();
  }
}
