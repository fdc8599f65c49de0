import assert from 'node:assert/strict';
import type { ConnectorFactory, ProbeEntry, ProbeOutcome, ReportOutcome } from './connectors';
import { scanPorts, type ScanProgress } from './scanner';

/** A connector whose probes end as `decide` says, after `delayMs` (never, for "hang"). */
function fakeConnector(decide: (port: number, attempt: number) => ProbeOutcome | 'hang', delayMs = 1) {
  const stats = { started: 0, cancelled: 0, maxInFlight: 0, inFlight: 0 };
  const attempts = new Map<number, number>();
  const factory: ConnectorFactory = (_address: string, report: ReportOutcome) => ({
    engine: 'net',
    start(entry: ProbeEntry) {
      stats.started += 1;
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      const attempt = (attempts.get(entry.port) ?? 0) + 1;
      attempts.set(entry.port, attempt);
      const outcome = decide(entry.port, attempt);
      if (outcome === 'hang') {
        entry.state = 'hanging';
        return;
      }
      entry.state = setTimeout(() => {
        stats.inFlight -= 1;
        report(entry, outcome, outcome === 'retry' ? 'EMFILE' : undefined);
      }, delayMs);
    },
    cancel(entry: ProbeEntry) {
      stats.cancelled += 1;
      stats.inFlight -= 1;
      if (entry.state !== 'hanging') clearTimeout(entry.state as NodeJS.Timeout);
    },
  });
  return { factory, stats };
}

const ports = (count: number) => Array.from({ length: count }, (_, index) => index + 1);
const signal = () => new AbortController().signal;

describe('the port-scan scheduler', () => {
  it('counts every port once and never exceeds the concurrency', async () => {
    const { factory, stats } = fakeConnector((port) => (port % 100 === 0 ? 'open' : 'closed'));
    const report = await scanPorts({ address: '127.0.0.1', ports: ports(1000), concurrency: 50, timeoutMs: 1000, signal: signal(), connector: factory });

    assert.deepEqual(report.open, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    assert.equal(report.closed, 990);
    assert.equal(stats.maxInFlight, 50);
    assert.equal(stats.started, 1000);
  });

  it('never exceeds a concurrency below its floor, even while backing off from running out of descriptors', async () => {
    const { factory, stats } = fakeConnector((port, attempt) => (port <= 4 && attempt === 1 ? 'retry' : 'closed'));
    const report = await scanPorts({ address: '127.0.0.1', ports: ports(40), concurrency: 2, timeoutMs: 1000, signal: signal(), connector: factory });

    assert.equal(report.closed, 40);
    assert.equal(stats.maxInFlight, 2);
  });

  it('calls a port that does not answer within the timeout filtered', async () => {
    const { factory, stats } = fakeConnector((port) => (port === 3 ? 'hang' : 'closed'));
    const started = Date.now();
    const report = await scanPorts({ address: '127.0.0.1', ports: ports(5), concurrency: 5, timeoutMs: 100, signal: signal(), connector: factory });

    assert.equal(report.filtered, 1);
    assert.equal(report.closed, 4);
    assert.equal(stats.cancelled, 1);
    assert.ok(Date.now() - started >= 100);
  });

  it('retries ports that hit descriptor exhaustion, with lower concurrency, and finds them open', async () => {
    const { factory, stats } = fakeConnector((port, attempt) => (attempt === 1 && port > 50 ? 'retry' : port === 60 ? 'open' : 'closed'));
    const report = await scanPorts({ address: '127.0.0.1', ports: ports(100), concurrency: 100, timeoutMs: 1000, signal: signal(), connector: factory });

    assert.deepEqual(report.open, [60]);
    assert.equal(report.closed, 99);
    assert.equal(report.failed, 0);
    assert.equal(stats.started, 150);
  });

  it('gives up on a port after repeated exhaustion and reports it as failed', async () => {
    const { factory } = fakeConnector((port) => (port === 1 ? 'retry' : 'closed'));
    const report = await scanPorts({ address: '127.0.0.1', ports: ports(3), concurrency: 3, timeoutMs: 1000, signal: signal(), connector: factory });

    assert.equal(report.failed, 1);
    assert.equal(report.closed, 2);
  });

  it('cancels every probe in flight and rejects with the reason when aborted', async () => {
    const { factory, stats } = fakeConnector(() => 'hang');
    const controller = new AbortController();
    const scanning = scanPorts({ address: '127.0.0.1', ports: ports(1000), concurrency: 200, timeoutMs: 60_000, signal: controller.signal, connector: factory });
    setTimeout(() => controller.abort(new Error('stop')), 20);

    await assert.rejects(scanning, /stop/);
    assert.equal(stats.started, 200);
    assert.equal(stats.cancelled, 200);
  });

  it('reports progress while it runs and once at the end', async () => {
    const { factory } = fakeConnector(() => 'closed', 5);
    const progress: ScanProgress[] = [];
    await scanPorts({
      address: '127.0.0.1',
      ports: ports(100),
      concurrency: 2,
      timeoutMs: 1000,
      signal: signal(),
      connector: factory,
      progressIntervalMs: 50,
      onProgress: (value) => progress.push(value),
    });

    assert.ok(progress.length >= 3, `only ${progress.length} progress reports`);
    assert.deepEqual(progress.at(-1), { ports_done: 100, ports_total: 100, open: 0 });
  });

  it('finishes at once with nothing to scan', async () => {
    const report = await scanPorts({ address: '127.0.0.1', ports: [], concurrency: 10, timeoutMs: 100, signal: signal() });
    assert.deepEqual(report.open, []);
  });
});
