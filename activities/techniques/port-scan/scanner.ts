/**
 * The connect-scan scheduler: keeps up to `concurrency` probes in flight, times each out after
 * `timeoutMs`, retries a port when this machine ran short of descriptors or ephemeral ports
 * (and lowers the concurrency), reports progress on an interval, and on abort stops launching,
 * closes every socket in flight and rejects with the abort reason.
 *
 * Probes are launched in order with the same timeout, so their deadlines ascend: one FIFO and
 * one sweep timer replace a timer per socket.
 */
import { performance } from 'node:perf_hooks';
import { defaultConnector, type ConnectorFactory, type ProbeEntry, type ProbeOutcome } from './connectors';

/** Progress, as heartbeated. */
export interface ScanProgress {
  readonly ports_done: number;
  readonly ports_total: number;
  readonly open: number;
}

/** What to scan and how hard. */
export interface ScanOptions {
  readonly address: string;
  /** Ascending, without duplicates. */
  readonly ports: ArrayLike<number>;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly connector?: ConnectorFactory;
  readonly onProgress?: (progress: ScanProgress) => void;
  readonly progressIntervalMs?: number;
}

/** What the scan found; every port is counted once. */
export interface ScanReport {
  readonly open: number[];
  readonly closed: number;
  readonly filtered: number;
  /** Ports given up on after repeated local resource exhaustion. */
  readonly failed: number;
  /** Connections that turned out to be to ourselves (counted as closed). */
  readonly selfConnects: number;
  readonly engine: string;
  readonly concurrency: number;
  readonly durationMs: number;
}

const MAX_RETRIES = 8;
const RETRY_DELAY_MS = 20;
const MIN_CONCURRENCY = 8;

/** Scans `ports` on `address` and resolves with what was found. */
export function scanPorts(options: ScanOptions): Promise<ScanReport> {
  const { address, ports, timeoutMs, signal } = options;
  const total = ports.length;
  const started = performance.now();
  const open: number[] = [];
  const counts = { closed: 0, filtered: 0, failed: 0, selfConnects: 0 };
  const retries = new Map<number, number>();
  const retryQueue: number[] = [];
  let inFlight: ProbeEntry[] = [];
  let head = 0;
  let next = 0;
  let done = 0;
  let active = 0;
  const requested = Math.max(1, Math.floor(options.concurrency));
  let limit = requested;
  let launching = false;
  let finished = false;

  return new Promise<ScanReport>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);

    const record = (entry: ProbeEntry, outcome: ProbeOutcome, code?: string) => {
      if (entry.settled || finished) return;
      entry.settled = true;
      active -= 1;
      if (outcome === 'retry') {
        const attempts = (retries.get(entry.port) ?? 0) + 1;
        retries.set(entry.port, attempts);
        if (attempts <= MAX_RETRIES) {
          retryQueue.push(entry.port);
          // Out of descriptors or ports: fewer at once, and a pause before trying again.
          // Never above what was asked for, even when that is below the floor.
          limit = Math.min(requested, Math.max(MIN_CONCURRENCY, Math.min(limit, active)));
          setTimeout(launch, RETRY_DELAY_MS * attempts);
          return;
        }
        counts.failed += 1;
      } else if (outcome === 'open') {
        open.push(entry.port);
      } else if (outcome === 'closed') {
        counts.closed += 1;
        if (code === 'self_connect') counts.selfConnects += 1;
      } else {
        counts.filtered += 1;
      }
      done += 1;
      if (limit < requested && retryQueue.length === 0 && (done & 63) === 0) limit += 1;
      if (done === total) complete();
      else launch();
    };
    const connector = (options.connector ?? defaultConnector)(address, record);

    function launch(): void {
      // Outcomes reported synchronously from start() land here again: the outer loop goes on.
      if (launching || finished) return;
      launching = true;
      try {
        const deadline = performance.now() + timeoutMs;
        while (active < limit) {
          const port = retryQueue.length > 0 ? retryQueue.shift() : next < total ? ports[next++] : undefined;
          if (port === undefined) break;
          const entry: ProbeEntry = { port, deadline, settled: false, state: undefined };
          active += 1;
          inFlight.push(entry);
          connector.start(entry);
          if (finished) return;
        }
      } finally {
        launching = false;
      }
    }

    const sweep = () => {
      const now = performance.now();
      while (head < inFlight.length) {
        const entry = inFlight[head] as ProbeEntry;
        if (!entry.settled && entry.deadline > now) break;
        head += 1;
        if (entry.settled) continue;
        connector.cancel(entry);
        record(entry, 'filtered', 'timeout');
        if (finished) return;
      }
      if (head > 4096 && head * 2 > inFlight.length) {
        inFlight = inFlight.slice(head);
        head = 0;
      }
    };
    const progress = () => options.onProgress?.({ ports_done: done, ports_total: total, open: open.length });
    const sweepTimer = setInterval(sweep, Math.min(250, Math.max(10, Math.floor(timeoutMs / 4))));
    const progressTimer = setInterval(progress, options.progressIntervalMs ?? 500);

    const stop = () => {
      finished = true;
      clearInterval(sweepTimer);
      clearInterval(progressTimer);
      signal.removeEventListener('abort', onAbort);
    };
    function complete(): void {
      stop();
      progress();
      open.sort((a, b) => a - b);
      resolve({ open, ...counts, engine: connector.engine, concurrency: requested, durationMs: performance.now() - started });
    }
    function onAbort(): void {
      stop();
      for (let index = head; index < inFlight.length; index += 1) {
        const entry = inFlight[index] as ProbeEntry;
        if (!entry.settled) connector.cancel(entry);
      }
      reject(signal.reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
    if (total === 0) complete();
    else launch();
  });
}
