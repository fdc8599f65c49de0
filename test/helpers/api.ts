/** The real API app on a random loopback port, wired to the real test stack. */
import { Client } from '@temporalio/client';
import { buildApp, type BuiltApp } from '../../api/app';
import { createReadinessProbe } from '../../api/readiness';
import { createLogger, type Logger } from '../../core/logger';
import { createApiMetrics } from '../../core/metrics';
import type { TestClients } from './clients';
import { serve, type TestServer } from './http';

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
  const built = buildApp({
    ...clients,
    logger,
    checkReadiness,
    metrics: createApiMetrics(),
    temporal: new Client({ connection: clients.temporal, namespace: clients.config.temporal.namespace }),
  });
  const server = await serve(built.app);
  return { ...server, built };
}
