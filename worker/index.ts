/**
 * The worker process's composition root: one process polling a task queue per technique class
 * (port scans on their own, with lower concurrency). On SIGTERM or SIGINT the Temporal runtime
 * stops polling, lets running activities finish within the grace period, then everything closes.
 * The process keeps no state of its own: any number of them can poll the same task queues.
 */
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import Redis from 'ioredis';
import { ConfigError, loadConfig, type Config } from '../core/config';
import { TASK_QUEUE_CLASSES, taskQueueName, type TaskQueueClass } from '../core/domain/temporal';
import { createLogger } from '../core/logger';
import { createS3Client, S3EvidenceStore } from '../core/storage/s3-evidence-store';
import { temporalConnectionOptions } from '../core/temporal-connection';
import { createKnex } from '../db/knex';
import { createActivities } from '../activities';
import { createPoliteness } from '../activities/rate-limit';
import { TECHNIQUE_REGISTRY } from '../activities/techniques';
import { createRepositories } from '../db/repositories';
import { createJobMetrics, prometheusExporter } from './metrics';
import { temporalLogger } from './temporal-logger';
import { workflowSource } from './workflow-source';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: 'worker', level: config.logLevel });
  const metricsAddress = config.worker.metricsPort ? `${config.worker.metricsHost}:${config.worker.metricsPort}` : undefined;
  Runtime.install({
    logger: temporalLogger(logger),
    shutdownSignals: ['SIGTERM', 'SIGINT'],
    telemetryOptions: {
      // The SDK core's own log lines go through our logger too, so every line is JSON.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(metricsAddress && { metrics: prometheusExporter(metricsAddress) }),
    },
  });
  const knex = createKnex(config.database, logger);
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3 });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  const evidenceStore = new S3EvidenceStore(createS3Client(config.storage), config.storage.bucket, config.storage.region);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const activityDeps = {
    config,
    knex,
    repos: createRepositories(knex),
    evidenceStore,
    logger,
    politeness: createPoliteness(redis, config.techniques),
    techniques: TECHNIQUE_REGISTRY,
    // Our metrics share the runtime's exporter with the SDK's (see worker/metrics.ts).
    metrics: createJobMetrics(Runtime.instance().metricMeter),
  };
  const activities = createActivities(activityDeps);
  const source = await workflowSource(temporalLogger(logger, 'WARN'));

  const workers = await Promise.all(
    TASK_QUEUE_CLASSES.map((queueClass) =>
      Worker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: taskQueueName(config.temporal.taskQueue, queueClass),
        activities,
        ...source,
        maxConcurrentActivityTaskExecutions: concurrencyOf(config, queueClass),
        shutdownGraceTime: config.worker.shutdownGraceMs,
      }),
    ),
  );
  logger.info(
    {
      namespace: config.temporal.namespace,
      task_queues: workers.map((worker) => worker.options.taskQueue),
      metrics_url: metricsAddress ? `http://${metricsAddress}/metrics` : null,
    },
    'worker polling',
  );
  try {
    // Resolves once the runtime's shutdown signal has drained every worker.
    await Promise.all(workers.map((worker) => worker.run()));
  } finally {
    await connection.close();
    await knex.destroy();
    redis.disconnect();
    logger.info('worker stopped');
  }
}

function concurrencyOf(config: Config, queueClass: TaskQueueClass): number {
  return queueClass === 'port-scan' ? config.worker.maxConcurrentPortScans : config.worker.maxConcurrentActivities;
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
