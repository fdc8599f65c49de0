/**
 * The real worker in the test process: the real activities and techniques on the real dev
 * server, polling the task queues of `clients.config` (so the network guard watches every
 * connection the techniques make).
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createPoliteness } from '../../activities/rate-limit';
import { TECHNIQUE_REGISTRY } from '../../activities/techniques';
import { TASK_QUEUE_CLASSES, taskQueueName } from '../../core/domain/temporal';
import { createLogger } from '../../core/logger';
import { createRepositories } from '../../db/repositories';
import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from './api';
import { openTestClients, type TestClients } from './clients';
import { installTestRuntime, workflowBundle } from './temporal-worker';

/** Running workers, one per task queue class. */
export interface PipelineWorker {
  /** Stops polling and waits for the workers to drain. */
  shutdown(): Promise<void>;
}

/** Starts the workers; they run until shutdown. */
export async function startPipelineWorker(clients: TestClients): Promise<PipelineWorker> {
  const { config } = clients;
  const logger = createLogger({ name: 'worker', level: config.logLevel });
  installTestRuntime();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const activities = createActivities({
    config,
    knex: clients.knex,
    repos: createRepositories(clients.knex),
    evidenceStore: clients.evidenceStore,
    logger,
    politeness: createPoliteness(clients.redis, config.techniques, { keyPrefix: `politeness:${config.temporal.taskQueue}:` }),
    techniques: TECHNIQUE_REGISTRY,
  });
  const bundle = await workflowBundle();
  const workers = await Promise.all(
    TASK_QUEUE_CLASSES.map((queueClass) =>
      Worker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: taskQueueName(config.temporal.taskQueue, queueClass),
        workflowBundle: bundle,
        activities,
        shutdownGraceTime: '5 seconds',
      }),
    ),
  );
  const running = Promise.all(workers.map((worker) => worker.run()));
  return {
    async shutdown() {
      for (const worker of workers) worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** The whole system for one test file: clients, the real API and the real worker. */
export interface Pipeline {
  readonly clients: TestClients;
  readonly api: TestApi;
  /** Stops the worker, then the API, then the clients. */
  close(): Promise<void>;
}

/**
 * Opens clients configured by `settings` (on a task queue of their own, named after `name`, with
 * no retry overrides or rate limits unless `settings` set them), then starts the API and the worker.
 */
export async function startPipeline(name: string, settings: NodeJS.ProcessEnv): Promise<Pipeline> {
  const clients = await openTestClients({
    TEMPORAL_TASK_QUEUE: `${name}-${randomUUID().slice(0, 8)}`,
    JOB_RETRY_OVERRIDES: '{}',
    TECHNIQUE_RATE_LIMITS: '',
    ...settings,
  });
  const api = await startTestApi(clients);
  const worker = await startPipelineWorker(clients);
  return {
    clients,
    api,
    async close() {
      await worker.shutdown();
      await api.close();
      await clients.close();
    },
  };
}
