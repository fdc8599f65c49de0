/** A Temporal worker for tests, on the real dev server, with the workflows bundled once per run. */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/workflow-source';
import { testConfig } from './test-env';

let bundle: Promise<{ code: string }> | undefined;
let runtimeInstalled = false;

/** Installs the SDK runtime once, before any worker or native connection exists. */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  // Tests fail workflows on purpose; the SDK would log each at WARN.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: 'ERROR', forward: {} } } });
  runtimeInstalled = true;
}

/** The workflows bundle, built on first use. */
export function workflowBundle(): Promise<{ code: string }> {
  installTestRuntime();
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

/** A worker on a fresh task queue and a client to start workflows on it. */
export interface TestWorker {
  readonly client: Client;
  readonly taskQueue: string;
  /** Runs the worker until `promise` settles. */
  runUntil<T>(promise: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Creates a worker with `activities` on a unique task queue. */
export async function createTestWorker(activities: WorkerOptions['activities'], options: Partial<WorkerOptions> = {}): Promise<TestWorker> {
  const config = testConfig();
  const taskQueue = `test-${randomUUID()}`;
  installTestRuntime();
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    ...options,
  });
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return {
    client,
    taskQueue,
    runUntil: (promise) => worker.runUntil(promise),
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}
