/**
 * Worker-thread entry of a parallel scan: scans the shard it is given with the scheduler of
 * scanner.ts, posts progress and the report, and stops when told to abort.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connectorFor, type EngineName } from './connectors';
import { scanPorts, type ScanProgress, type ScanReport } from './scanner';

/** What the parent sends at start. */
export interface ScanWorkerData {
  readonly address: string;
  readonly ports: Uint16Array;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly engine: EngineName;
}

/** What the worker posts. */
export type ScanWorkerMessage =
  | { readonly type: 'progress'; readonly progress: ScanProgress }
  | { readonly type: 'done'; readonly report: ScanReport }
  | { readonly type: 'failed'; readonly message: string };

if (parentPort) {
  const port = parentPort;
  const data = workerData as ScanWorkerData;
  const controller = new AbortController();
  port.on('message', (message: { type?: string }) => {
    if (message.type === 'abort') controller.abort(new Error('aborted by the parent'));
  });
  const post = (message: ScanWorkerMessage) => port.postMessage(message);
  scanPorts({
    address: data.address,
    ports: data.ports,
    concurrency: data.concurrency,
    timeoutMs: data.timeoutMs,
    signal: controller.signal,
    connector: connectorFor(data.engine),
    progressIntervalMs: 250,
    onProgress: (progress) => post({ type: 'progress', progress }),
  }).then(
    (report) => post({ type: 'done', report }),
    (error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
}
