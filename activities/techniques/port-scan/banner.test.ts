import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer } from '../../../test/fixture-servers/dns-server';
import { startTcpPorts, type TcpPorts } from '../../../test/fixture-servers/tcp-ports';
import { createTechniqueContext, type TestTechniqueContext } from '../../../test/helpers/technique-context';
import { portScan } from './index';

const domain = (value: string) => ({ type: 'domain' as const, value });

describe('port_scan banner grabbing', function () {
  this.timeout(20000);
  let dns: DnsServer;
  let talking: TcpPorts;
  let silent: TcpPorts;

  before(async () => {
    dns = await startDnsServer({ zone: [{ name: 'scan.test', type: 'A', data: '127.0.0.1' }] });
    talking = await startTcpPorts({ ports: [{ banner: 'SSH-2.0-Fixture_1.0\r\n' }, { banner: '220 ftp ready\r\n' }, {}] });
    // More silent ports than grabs run at once, so some wait their turn.
    silent = await startTcpPorts({ count: 40 });
  });
  after(async () => {
    await Promise.all([dns?.close(), talking?.close(), silent?.close()]);
  });

  const context = (): TestTechniqueContext => createTechniqueContext({ dnsServers: [dns.address] });
  const portsOf = (fixture: TcpPorts) => fixture.open.map((open) => open.port);

  it('heartbeats its progress as each grab finishes, with the scan\'s counts beside it', async () => {
    const ctx = context();
    const result = await portScan(domain('scan.test'), { ports: portsOf(talking), banner_grab: true, timeout_ms: 300 }, ctx);

    assert.equal(result.findings.filter((finding) => 'banner' in finding.data).length, 2);
    const banners = ctx.heartbeats.filter((beat) => beat.progress?.stage === 'banners').map((beat) => beat.progress);
    assert.deepEqual(banners.map((progress) => progress?.banners_done), [0, 1, 2, 3]);
    assert.deepEqual(banners.at(-1), { stage: 'banners', ports_done: 3, ports_total: 3, open: 3, banners_done: 3, banners_total: 3, banners_found: 2 });
  });

  it('stops every grab at once when cancelled, and opens no more connections', async () => {
    const ctx = context();
    let aborted = 0;
    const cancelling: TestTechniqueContext = {
      ...ctx,
      heartbeat(progress) {
        ctx.heartbeat(progress);
        if (progress?.stage !== 'banners' || progress.banners_done !== 0) return;
        setTimeout(() => {
          aborted = Date.now();
          ctx.controller.abort(new Error('cancelled by the test'));
        }, 200);
      },
    };
    const scanned = silent.connections.length;
    const grabbing = portScan(domain('scan.test'), { ports: portsOf(silent), banner_grab: true, timeout_ms: 3000 }, cancelling);

    await assert.rejects(grabbing, /cancelled by the test/);
    assert.ok(Date.now() - aborted < 500, `stopped ${Date.now() - aborted} ms after the cancel`);
    const grabbed = silent.connections.length - scanned;
    assert.ok(grabbed > 40 && grabbed <= 40 + 32, `the scan's 40 connections and at most 32 grabs, got ${grabbed}`);
    assert.ok(ctx.heartbeats.every((beat) => beat.progress?.banners_done === undefined || beat.progress.banners_done === 0));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(silent.connections.length - scanned, grabbed, 'no grab starts after the cancel');
  });
});
