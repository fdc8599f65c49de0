import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startDnsServer } from '../fixture-servers/dns-server';
import {
  NetworkGuardError,
  installNetworkGuard,
  isNetworkGuardInstalled,
  takeNetworkViolations,
  uninstallNetworkGuard,
} from './network-guard';

function listen(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise((resolve) => server.listen(options, () => resolve()));
}

function connectAndClose(options: net.NetConnectOpts): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(options, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

describe('network guard', () => {
  let wasInstalled: boolean;
  let server: net.Server;

  before(async () => {
    wasInstalled = isNetworkGuardInstalled();
    installNetworkGuard();
    server = net.createServer((socket) => socket.destroy());
    await listen(server, { port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    if (!wasInstalled) uninstallNetworkGuard();
  });

  it('lets a TCP client reach a server on 127.0.0.1 and through localhost', async () => {
    const { port } = server.address() as net.AddressInfo;

    await connectAndClose({ host: '127.0.0.1', port });
    await connectAndClose({ port });

    assert.deepEqual(takeNetworkViolations(), []);
  });

  it('lets a client reach a Unix socket', async () => {
    const socketPath = path.join(os.tmpdir(), `network-guard-${process.pid}.sock`);
    const unixServer = net.createServer((socket) => socket.destroy());
    await listen(unixServer, { path: socketPath });

    await connectAndClose({ path: socketPath });

    await new Promise((resolve) => unixServer.close(resolve));
    assert.deepEqual(takeNetworkViolations(), []);
  });

  it('refuses a TCP connection to a non-loopback address before it is attempted', () => {
    assert.throws(() => net.connect(80, '192.0.2.1'), NetworkGuardError);
    assert.throws(() => new net.Socket().connect({ host: '::ffff:192.0.2.1', port: 443 }), NetworkGuardError);

    const violations = takeNetworkViolations();
    assert.equal(violations.length, 2);
    assert.match(violations[0] as string, /192\.0\.2\.1 port 80/);
  });

  it('refuses a connect made directly on a libuv TCP handle, as the port scanner does', () => {
    type Handle = { connect(...args: unknown[]): number; connect6(...args: unknown[]): number; close(): void };
    type TcpWrap = { TCP: new (type: number) => Handle; TCPConnectWrap: new () => object; constants: { SOCKET: number } };
    const binding = (process as unknown as { binding(name: string): TcpWrap }).binding('tcp_wrap');
    const handle = new binding.TCP(binding.constants.SOCKET);
    try {
      assert.throws(() => handle.connect(new binding.TCPConnectWrap(), '192.0.2.1', 80), NetworkGuardError);
      assert.throws(() => handle.connect6(new binding.TCPConnectWrap(), '2001:db8::1', 80), NetworkGuardError);
    } finally {
      handle.close();
    }
    const violations = takeNetworkViolations();
    assert.equal(violations.length, 2);
    assert.match(violations[0] as string, /192\.0\.2\.1 port 80/);
  });

  it('refuses to connect to a hostname, which would need the system resolver', async () => {
    assert.throws(() => net.connect({ host: 'example.com', port: 443 }), { code: 'ERR_NETWORK_GUARD' });
    assert.throws(() => tls.connect({ host: 'example.com', port: 443 }), NetworkGuardError);
    assert.throws(() => http.get('http://example.com/'), NetworkGuardError);
    await assert.rejects(fetch('http://example.com/'), (error: Error) => error.cause instanceof NetworkGuardError);

    assert.deepEqual(
      takeNetworkViolations().map((message) => /example\.com/.test(message)),
      [true, true, true, true],
    );
  });

  it('refuses dns.lookup of any hostname but localhost', async () => {
    const error = await new Promise((resolve) => dns.lookup('example.com', (err) => resolve(err)));
    await assert.rejects(dns.promises.lookup('example.com'), NetworkGuardError);
    const local = await dns.promises.lookup('localhost', { family: 4 });

    assert.ok(error instanceof NetworkGuardError);
    assert.equal(local.address, '127.0.0.1');
    assert.deepEqual(takeNetworkViolations().length, 2);
  });

  it('refuses a UDP datagram to a non-loopback address', async () => {
    const socket = dgram.createSocket('udp4');
    try {
      assert.throws(() => socket.send('ping', 53, '10.0.0.1'), NetworkGuardError);
      assert.throws(() => socket.send(Buffer.from('ping'), 0, 4, 53, '10.0.0.1'), NetworkGuardError);
      assert.throws(() => socket.connect(53, '10.0.0.1'), NetworkGuardError);
    } finally {
      socket.close();
    }

    const violations = takeNetworkViolations();
    assert.equal(violations.length, 3);
    assert.match(violations[0] as string, /UDP send to 10\.0\.0\.1 port 53/);
  });

  it('lets a resolver query DNS servers that were set to loopback', async () => {
    const dnsServer = await startDnsServer({ zone: [{ name: 'guarded.test', type: 'A', data: '192.0.2.7' }] });
    try {
      const resolver = new dns.promises.Resolver({ timeout: 500, tries: 1 });
      resolver.setServers([dnsServer.address]);
      const callbackResolver = new dns.Resolver({ timeout: 500, tries: 1 });
      callbackResolver.setServers([dnsServer.address]);

      assert.deepEqual(await resolver.resolve4('guarded.test'), ['192.0.2.7']);
      const viaCallback = await new Promise((resolve, reject) =>
        callbackResolver.resolve4('guarded.test', (err, addresses) => (err ? reject(err) : resolve(addresses))),
      );
      assert.deepEqual(viaCallback, ['192.0.2.7']);
    } finally {
      await dnsServer.close();
    }
    assert.deepEqual(takeNetworkViolations(), []);
  });

  it('refuses a resolver that uses the system servers or a non-loopback server', async () => {
    const systemResolver = new dns.promises.Resolver();
    const remoteResolver = new dns.promises.Resolver();
    remoteResolver.setServers(['127.0.0.1', '192.0.2.53']);
    const callbackResolver = new dns.Resolver();

    await assert.rejects(systemResolver.resolveMx('example.com'), NetworkGuardError);
    await assert.rejects(remoteResolver.resolve4('example.com'), NetworkGuardError);
    const callbackError = await new Promise((resolve) => callbackResolver.resolveTxt('example.com', resolve));
    await assert.rejects(dns.promises.resolve4('example.com'), NetworkGuardError);
    const moduleError = await new Promise((resolve) => dns.resolveNs('example.com', resolve));

    assert.ok(callbackError instanceof NetworkGuardError);
    assert.ok(moduleError instanceof NetworkGuardError);
    const violations = takeNetworkViolations();
    assert.equal(violations.length, 5);
    assert.match(violations[0] as string, /resolveMx\(example\.com\) via system servers/);
    assert.match(violations[1] as string, /192\.0\.2\.53/);
  });

  it('records each refusal once even when installed twice', () => {
    installNetworkGuard();
    installNetworkGuard();

    assert.throws(() => net.connect(443, '192.0.2.1'));

    assert.equal(takeNetworkViolations().length, 1);
    assert.deepEqual(takeNetworkViolations(), []);
  });

  it('restores the original functions when uninstalled', () => {
    uninstallNetworkGuard();
    const originals = [net.Socket.prototype.connect, dns.lookup, dns.promises.Resolver.prototype.resolve4];
    try {
      installNetworkGuard();
      assert.notEqual(net.Socket.prototype.connect, originals[0]);
      uninstallNetworkGuard();
      assert.deepEqual(
        [net.Socket.prototype.connect, dns.lookup, dns.promises.Resolver.prototype.resolve4],
        originals,
      );
      assert.equal(isNetworkGuardInstalled(), false);
    } finally {
      installNetworkGuard();
    }
  });
});
