import assert from 'node:assert/strict';
import net from 'node:net';
import { startDnsServer, type DnsServer, type ZoneRecord } from '../../../test/fixture-servers/dns-server';
import { findClosedPort, startTcpPorts, type TcpPorts } from '../../../test/fixture-servers/tcp-ports';
import { createTechniqueContext, type TestTechniqueContext } from '../../../test/helpers/technique-context';
import { TechniqueError } from '../types';
import { tcpWrapConnector, type EngineName } from './connectors';
import { createPortScan, portScan } from './index';
import { threadsFor } from './parallel-scan';

const zone: ZoneRecord[] = [
  { name: 'scan.test', type: 'A', data: '127.0.0.1' },
  { name: 'private.test', type: 'A', data: '10.0.0.1' },
  { name: 'metadata.test', type: 'A', data: '169.254.169.254' },
  { name: 'loopback2.test', type: 'A', data: '127.0.0.2' },
  { name: 'mixed.test', type: 'A', data: '127.0.0.1' },
  { name: 'mixed.test', type: 'A', data: '10.0.0.1' },
  { name: 'noaddress.test', type: 'TXT', data: 'nothing to scan' },
];

const domain = (value: string) => ({ type: 'domain' as const, value });

async function rejection(promise: Promise<unknown>): Promise<TechniqueError> {
  const error = await promise.then(
    () => assert.fail('expected the scan to fail'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof TechniqueError, `expected a TechniqueError, got ${String(error)}`);
  return error;
}

describe('port_scan against loopback ports', () => {
  let dns: DnsServer;
  let fixture: TcpPorts;
  let closedPort: number;

  before(async () => {
    dns = await startDnsServer({ zone });
    fixture = await startTcpPorts({
      ports: [{ banner: 'SSH-2.0-Fixture_1.0\r\n' }, { banner: Buffer.from([0x00, 0x01, 0x41, 0xff]) }, {}],
    });
    closedPort = await fixture.findClosedPort();
  });
  after(async () => {
    await Promise.all([dns.close(), fixture.close()]);
  });

  const context = (overrides: Parameters<typeof createTechniqueContext>[0] = {}): TestTechniqueContext =>
    createTechniqueContext({ dnsServers: [dns.address], ...overrides });
  const openPorts = () => fixture.open.map((open) => open.port);

  for (const engine of ['tcp_wrap', 'net'] as EngineName[]) {
    describe(`with the ${engine} engine`, () => {
      before(function skipWithoutEngine() {
        if (engine === 'tcp_wrap' && !tcpWrapConnector) this.skip();
      });

      it('finds the open ports, not the closed one, with findings per port', async () => {
        const scan = createPortScan({ engine });
        const result = await scan(domain('scan.test'), { ports: [...openPorts(), closedPort] }, context());

        assert.deepEqual(result.findings.map((finding) => finding.data.port), [...openPorts()].sort((a, b) => a - b));
        for (const finding of result.findings) {
          assert.equal(finding.finding_type, 'open_port');
          assert.equal(finding.subject, `scan.test:${finding.data.port as number}`);
          assert.equal(finding.data.address, '127.0.0.1');
          assert.deepEqual(finding.stable_data, { port: finding.data.port });
          assert.equal('banner' in finding.data, false);
        }
        assert.equal(result.summary.closed, 1);
        assert.equal(result.summary.open, 3);
        const evidence = JSON.parse((result.evidence[0] as { body: Buffer }).body.toString()) as Record<string, unknown>;
        assert.equal(evidence.engine, engine);
        assert.equal(evidence.ports_total, 4);
      });

      it('calls a connection to itself closed, not open', async () => {
        // Force a TCP simultaneous open onto our own port: bind the probe to the port it dials.
        const restore = forceSelfConnects(engine);
        try {
          const scan = createPortScan({ engine });
          const result = await scan(domain('scan.test'), { ports: [closedPort] }, context());
          assert.deepEqual(result.findings, []);
          const evidence = JSON.parse((result.evidence[0] as { body: Buffer }).body.toString()) as Record<string, unknown>;
          assert.equal(evidence.self_connects, 1);
        } finally {
          restore();
        }
      });
    });
  }

  it('grabs banners of the ports that send one, byte-faithful in the evidence', async () => {
    const result = await portScan(domain('scan.test'), { ports: openPorts(), banner_grab: true, timeout_ms: 300 }, context());

    const byPort = new Map(result.findings.map((finding) => [finding.data.port, finding.data.banner]));
    const [ssh, binary, silent] = fixture.open;
    assert.equal(byPort.get(ssh?.port), 'SSH-2.0-Fixture_1.0');
    assert.equal(byPort.get(binary?.port), '\\x00\\x01A\u00ff');
    assert.equal(byPort.get(silent?.port), undefined);
    const evidence = JSON.parse((result.evidence[0] as { body: Buffer }).body.toString()) as { open: Array<{ port: number; banner_base64?: string }> };
    const binaryEntry = evidence.open.find((entry) => entry.port === binary?.port);
    assert.deepEqual(Buffer.from(binaryEntry?.banner_base64 ?? '', 'base64'), Buffer.from([0x00, 0x01, 0x41, 0xff]));
  });

  it('resolves the target once and connects only to the address the guard checked (no rebinding window)', async () => {
    const before = dns.queries.length;
    await portScan(domain('scan.test'), { ports: openPorts(), banner_grab: true, timeout_ms: 200 }, context());

    const asked = dns.queries.slice(before).map((query) => `${query.name} ${query.type}`);
    assert.deepEqual(asked.sort(), ['scan.test A', 'scan.test AAAA']);
  });

  it('scans ranges, merged with the preset', async () => {
    const low = Math.min(...openPorts());
    const result = await portScan(domain('scan.test'), { ports: [`${low}-${low + 2}`], preset: 'top100' }, context());

    assert.ok(result.findings.some((finding) => finding.data.port === low));
    assert.ok((result.summary.ports_total as number) >= 101);
  });

  it('scans all 65,535 ports on every core, heartbeating progress at least every second', async function fullScan() {
    this.timeout(60_000);
    const ctx = context();
    const result = await portScan(domain('scan.test'), { preset: 'all', concurrency: 1000 }, ctx);

    const found = new Set(result.findings.map((finding) => finding.data.port));
    for (const port of openPorts()) assert.ok(found.has(port), `port ${port} was found open`);
    assert.equal(result.summary.ports_total, 65535);
    const evidence = JSON.parse((result.evidence[0] as { body: Buffer }).body.toString()) as { threads: number };
    assert.equal(evidence.threads, threadsFor(65535), 'a full scan is shared by every core, up to four');
    const scanning = ctx.heartbeats.filter((beat) => beat.progress?.stage === 'scanning');
    assert.ok(scanning.length >= 1);
    assert.deepEqual(scanning.at(-1)?.progress, { stage: 'scanning', ports_done: 65535, ports_total: 65535, open: result.findings.length });
    const times = ctx.heartbeats.map((beat) => beat.at);
    for (let index = 1; index < times.length; index += 1) {
      assert.ok((times[index] as number) - (times[index - 1] as number) <= 1000, 'a heartbeat at least every second');
    }
  });

  it('finds the same ports when a scan is split across three threads', async () => {
    const params = { ports: [...openPorts(), '1-12288'] };
    const single = await createPortScan({ threads: 1 })(domain('scan.test'), params, context());
    const split = await createPortScan({ threads: 3 })(domain('scan.test'), params, context());

    const threads = (result: typeof single) => (JSON.parse((result.evidence[0] as { body: Buffer }).body.toString()) as { threads: number }).threads;
    assert.equal(threads(single), 1);
    assert.equal(threads(split), 3);
    for (const port of openPorts()) assert.ok(split.findings.some((finding) => finding.data.port === port));
    assert.equal(split.summary.ports_total, single.summary.ports_total);
    assert.equal((split.summary.closed as number) + (split.summary.open as number), split.summary.ports_total);
  });

  it('stops within a second of being cancelled mid-scan and opens no more connections', async () => {
    const ctx = context();
    const before = fixture.connections.length;
    const scanning = portScan(domain('scan.test'), { preset: 'all', concurrency: 200 }, ctx);
    // Cancel once the scan is under way, well before it reaches the fixture's high port numbers.
    await new Promise((resolve) => setTimeout(resolve, 150));
    ctx.controller.abort(new Error('cancelled by the test'));
    const aborted = Date.now();

    await assert.rejects(scanning, /cancelled by the test/);
    assert.ok(Date.now() - aborted < 1000);
    const progress = ctx.heartbeats.map((beat) => beat.progress?.ports_done).filter((done) => typeof done === 'number');
    assert.ok(progress.every((done) => (done as number) < 65535));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(fixture.connections.length, before, 'no connection after the cancel');
  });

  for (const [name, address] of [
    ['private.test', '10.0.0.1'],
    ['metadata.test', '169.254.169.254'],
    ['loopback2.test', '127.0.0.2'],
    ['mixed.test', '10.0.0.1'],
  ] as const) {
    it(`refuses ${name}, which resolves to ${address}, as a permanent failure before connecting`, async () => {
      const error = await rejection(portScan(domain(name), { ports: [22, 80] }, context()));

      assert.equal(error.failureClass, 'permanent');
      assert.equal(error.code, 'guard_refused');
      assert.match(error.message, new RegExp(address.replace(/\./g, '\\.')));
    });
  }

  it('refuses a name without addresses, an email target and a bad range as permanent failures', async () => {
    assert.equal((await rejection(portScan(domain('noaddress.test'), {}, context()))).code, 'no_address');
    assert.equal((await rejection(portScan({ type: 'email', value: 'a@scan.test' }, {}, context()))).code, 'not_applicable');
    assert.equal((await rejection(portScan(domain('scan.test'), { ports: ['90-80'] }, context()))).code, 'invalid_params');
  });

  it('fails as retryable when DNS does not answer', async () => {
    const silent = await startDnsServer({ zone, dropFirst: 1000 });
    try {
      const error = await rejection(portScan(domain('scan.test'), {}, context({ dnsServers: [silent.address], dnsTimeoutMs: 50, dnsTries: 1 })));
      assert.equal(error.failureClass, 'transient');
    } finally {
      await silent.close();
    }
  });

  it('finds a port closed when it stops listening', async () => {
    const port = await findClosedPort();
    const result = await portScan(domain('scan.test'), { ports: [port] }, context());
    assert.deepEqual(result.findings, []);
  });
});

/**
 * Makes every probe of `engine` bind its local end to 127.0.0.1 and the port it dials, which
 * Linux completes as a simultaneous open with itself. Returns the undo.
 */
function forceSelfConnects(engine: string): () => void {
  if (engine === 'net') {
    const original = net.Socket.prototype.connect;
    const call = original as (this: net.Socket, ...rest: unknown[]) => net.Socket;
    net.Socket.prototype.connect = function connectToSelf(this: net.Socket, ...args: unknown[]) {
      const [port, host] = args;
      if (typeof port === 'number') return call.call(this, { port, host, localAddress: host, localPort: port });
      return call.apply(this, args);
    } as typeof original;
    return () => {
      net.Socket.prototype.connect = original;
    };
  }
  const binding = (process as unknown as { binding(name: string): { TCP: { prototype: Record<string, unknown> } } }).binding('tcp_wrap');
  const prototype = binding.TCP.prototype as {
    connect: (request: unknown, address: string, port: number) => number;
    bind: (address: string, port: number) => number;
  };
  const original = prototype.connect;
  prototype.connect = function connectToSelf(this: typeof prototype, request, address, port) {
    this.bind(address, port);
    return original.call(this, request, address, port);
  };
  return () => {
    prototype.connect = original;
  };
}
