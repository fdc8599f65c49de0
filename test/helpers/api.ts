/** The real API app on a random loopback port, wired to the real test stack. */
import { buildApp, type BuiltApp } from '../../api/app';
import { createReadinessProbe } from '../../api/readiness';
import { createLogger } from '../../core/logger';
import { createApiMetrics } from '../../core/metrics';
import type { TestClients } from './clients';
import { serve, type TestServer } from './http';

/** A running API and the declarations it serves. */
export interface TestApi extends TestServer {
  readonly built: BuiltApp;
}

/** Builds the app from `clients` (config included) and serves it. */
export async function startTestApi(clients: TestClients): Promise<TestApi> {
  const logger = createLogger({ name: 'api', level: clients.config.logLevel });
  const checkReadiness = createReadinessProbe({
    ...clients,
    temporal: clients.temporalProbe,
    temporalNamespace: clients.config.temporal.namespace,
    timeoutMs: 1000,
  });
  const built = buildApp({ ...clients, logger, checkReadiness, metrics: createApiMetrics() });
  const server = await serve(built.app);
  return { ...server, built };
}
