/**
 * A large scan split across threads. One thread's connect loop is bound by the CPU the kernel
 * spends on each connect and close; on a machine with more than one core, shards of the port
 * list scanned by worker threads finish a 65,535-port scan in about half the time. The shard
 * of the calling thread runs here; a worker that cannot start has its shard scanned here too.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { connectorFor, defaultEngine, type EngineName } from './connectors';
import { scanPorts, type ScanProgress, type ScanReport } from './scanner';
import type { ScanWorkerData, ScanWorkerMessage } from './scan-worker';

/** Below this many ports a scan takes milliseconds and threads would only cost their start. */
export const MIN_PORTS_PER_THREAD = 4096;
const MAX_THREADS = 4;

/** What to scan, how hard, and on how many threads. */
export interface ParallelScanOptions {
  readonly address: string;
  readonly ports: Uint16Array;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly engine?: EngineName;
  /** Threads to use, the calling one included; by default one per core, at most four. */
  readonly threads?: number;
  readonly onProgress?: (progress: ScanProgress) => void;
}

/** How many threads a scan of `portCount` ports gets. */
export function threadsFor(portCount: number, requested?: number): number {
  const wanted = requested ?? Math.min(availableParallelism(), MAX_THREADS);
  return Math.max(1, Math.min(wanted, Math.floor(portCount / MIN_PORTS_PER_THREAD)));
}

/** Splits ascending ports round-robin, so every shard spans the whole range. */
function shard(ports: Uint16Array, count: number): Uint16Array[] {
  return Array.from({ length: count }, (_, index) => ports.filter((_port, position) => position % count === index));
}

/**
 * Starts a worker on the compiled module, or under tsx's loader when running from the
 * TypeScript sources (tests, `npm run worker`), which the worker does not inherit.
 */
function startWorker(data: ScanWorkerData): Worker {
  const extension = path.extname(__filename);
  const file = path.join(__dirname, `scan-worker${extension}`);
  if (extension !== '.ts') return new Worker(file, { workerData: data });
  const source = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`;
  return new Worker(source, { eval: true, workerData: data });
}

/** A scan report with the number of threads that shared the work. */
export type ParallelScanReport = ScanReport & { readonly threads: number };

/** Scans `ports` on `address` with up to `threads` threads. */
export async function scanPortsInParallel(options: ParallelScanOptions): Promise<ParallelScanReport> {
  const engine = options.engine ?? defaultEngine;
  const threads = threadsFor(options.ports.length, options.threads);
  const common = { address: options.address, timeoutMs: options.timeoutMs, signal: options.signal, connector: connectorFor(engine) };
  if (threads === 1) {
    const report = await scanPorts({ ...common, ports: options.ports, concurrency: options.concurrency, onProgress: options.onProgress });
    return { ...report, threads };
  }

  const started = performance.now();
  const shards = shard(options.ports, threads);
  const concurrency = Math.max(1, Math.floor(options.concurrency / threads));
  const progress: ScanProgress[] = shards.map((ports) => ({ ports_done: 0, ports_total: ports.length, open: 0 }));
  const report = () =>
    options.onProgress?.({
      ports_done: progress.reduce((sum, item) => sum + item.ports_done, 0),
      ports_total: options.ports.length,
      open: progress.reduce((sum, item) => sum + item.open, 0),
    });
  const timer = setInterval(report, 500);
  const workers: Worker[] = [];
  const stopWorkers = () => {
    for (const worker of workers) {
      worker.postMessage({ type: 'abort' });
      void worker.terminate();
    }
  };
  options.signal.addEventListener('abort', stopWorkers, { once: true });

  /** Scans shard `index` in this thread. */
  const local = (index: number) =>
    scanPorts({
      ...common,
      ports: shards[index] as Uint16Array,
      concurrency,
      progressIntervalMs: 250,
      onProgress: (value) => (progress[index] = value),
    });
  const remote = (index: number) =>
    new Promise<ScanReport>((resolve, reject) => {
      let settled = false;
      const worker = startWorker({ address: options.address, ports: shards[index] as Uint16Array, concurrency, timeoutMs: options.timeoutMs, engine });
      workers.push(worker);
      // A thread that cannot start, fails or dies leaves its shard to this one.
      const fallBack = () => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        if (options.signal.aborted) reject(options.signal.reason);
        else local(index).then(resolve, reject);
      };
      worker.on('message', (message: ScanWorkerMessage) => {
        if (message.type === 'progress') progress[index] = message.progress;
        else if (message.type === 'failed') fallBack();
        else if (!settled) {
          settled = true;
          void worker.terminate();
          resolve(message.report);
        }
      });
      worker.on('error', fallBack);
      worker.on('exit', fallBack);
    });

  try {
    const reports = await Promise.all(shards.map((_ports, index) => (index === 0 ? local(0) : remote(index))));
    options.signal.throwIfAborted();
    report();
    return {
      open: reports.flatMap((item) => item.open).sort((a, b) => a - b),
      closed: reports.reduce((sum, item) => sum + item.closed, 0),
      filtered: reports.reduce((sum, item) => sum + item.filtered, 0),
      failed: reports.reduce((sum, item) => sum + item.failed, 0),
      selfConnects: reports.reduce((sum, item) => sum + item.selfConnects, 0),
      engine: reports[0]?.engine ?? engine,
      concurrency: concurrency * threads,
      durationMs: performance.now() - started,
      threads,
    };
  } finally {
    clearInterval(timer);
    options.signal.removeEventListener('abort', stopWorkers);
    stopWorkers();
  }
}
