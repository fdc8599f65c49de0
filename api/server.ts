/**
 * The API process's composition root: reads the config, builds every client and pool, listens,
 * and on SIGTERM or SIGINT stops accepting, finishes in-flight requests and closes everything.
 */
import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { ConfigError, loadConfig } from '../core/config';
import { createLogger } from '../core/logger';
import { createApiMetrics } from '../core/metrics';
import { createS3Client, S3EvidenceStore } from '../core/storage/s3-evidence-store';
import { temporalConnectionOptions } from '../core/temporal-connection';
import { createKnex } from '../db/knex';
import { buildApp } from './app';
import { MembershipCache } from './auth/membership-cache';
import { createReadinessProbe, temporalProbeConnection } from './readiness';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: 'api', level: config.logLevel });
  const knex = createKnex(config.database, logger, { statementTimeoutMs: config.api.statementTimeoutMs });
  // A command waits for at most one reconnection before failing, so a Redis outage surfaces fast.
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  const temporalOptions = temporalConnectionOptions(config.temporal);
  const temporalProbe = temporalProbeConnection(temporalOptions);
  const temporalConnection = Connection.lazy(temporalOptions);
  const temporal = new Client({ connection: temporalConnection, namespace: config.temporal.namespace });
  const evidenceStore = new S3EvidenceStore(createS3Client(config.storage), config.storage.bucket, config.storage.region);

  const memberships = new MembershipCache({ publisher: redis, subscriber: redis.duplicate(), ttlMs: config.api.accessCacheTtlMs, logger });
  // Without its subscription the cache reads every membership from the database: the API still starts.
  await memberships.start();

  const checkReadiness = createReadinessProbe({
    knex,
    redis,
    temporal: temporalProbe,
    temporalNamespace: config.temporal.namespace,
    evidenceStore,
    timeoutMs: config.readinessTimeoutMs,
  });
  const { app } = buildApp({ config, logger, knex, redis, evidenceStore, checkReadiness, metrics: createApiMetrics(), temporal, memberships });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(config.api.port, config.api.host, resolve));
  logger.info({ url: `http://${config.api.host}:${config.api.port}` }, 'api listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api shutting down: finishing in-flight requests');
    const forced = setTimeout(() => server.closeAllConnections(), config.api.shutdownGraceMs);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    clearTimeout(forced);
    await Promise.allSettled([memberships.close(), knex.destroy(), redis.quit(), temporalProbe.close(), temporalConnection.close()]);
    logger.info('api stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Configuration problems are the operator's to fix: print them plainly, without a stack.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
