import assert from 'node:assert/strict';
import net from 'node:net';
import { startFilteredPorts } from '../../../test/fixture-servers/filtered-ports';
import { startWhoisServer, type WhoisServerOptions } from '../../../test/fixture-servers/whois-server';
import { onOnePort } from '../../../test/helpers/paired-mail-hosts';
import { exchangeWhois } from './whois-client';

const ANSWER = 'Domain Name: EXAMPLE.TEST\r\nRegistrar: Fixture Registrar\r\n';

describe('the WHOIS client trying a server\'s addresses in turn', function () {
  this.timeout(15000);
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  /** A filtered port on 127.0.0.2 (it drops every SYN) and a WHOIS fixture on 127.0.0.1 at the same port number. */
  async function servers(options: WhoisServerOptions = {}) {
    const { preferred: filtered, backup: whois } = await onOnePort(
      () => startFilteredPorts({ count: 1, host: '127.0.0.2' }),
      (ports) => ports.ports[0]!,
      (port) => startWhoisServer({ responses: { 'example.test': ANSWER }, ...options, host: '127.0.0.1', port }),
    );
    closers.push(() => filtered.close(), () => whois.close());
    return { filtered, whois, port: whois.port };
  }

  it('gives up on a filtered first address within its share of the budget and gets the answer from the next', async () => {
    const { whois, port } = await servers();
    const started = Date.now();
    const exchange = await exchangeWhois({ addresses: ['127.0.0.2', '127.0.0.1'], port }, 'example.test', { timeoutMs: 3000, signal: new AbortController().signal });
    const elapsed = Date.now() - started;

    assert.equal(exchange.error, null);
    assert.equal(exchange.bytes.toString(), ANSWER);
    assert.deepEqual(whois.queries, ['example.test']);
    // Half of the budget for the first of two addresses, the rest for the second.
    assert.ok(elapsed >= 1400 && elapsed < 2500, `answered after ${elapsed} ms`);
  });

  it('gives a server that accepted the connection all the time left to answer, beyond its connect share', async () => {
    // Answers after 1.5 s, later than the 1.25 s connect share of the first of two addresses.
    const late = net.createServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.once('data', () => setTimeout(() => socket.end(ANSWER), 1500));
    });
    await new Promise<void>((resolve) => late.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => late.close(() => resolve())));
    const { port } = late.address() as net.AddressInfo;
    const exchange = await exchangeWhois({ addresses: ['127.0.0.1', '127.0.0.2'], port }, 'example.test', { timeoutMs: 2500, signal: new AbortController().signal });

    assert.equal(exchange.error, null);
    assert.equal(exchange.bytes.toString(), ANSWER);
  });

  it('fails as a transient connect failure, within the budget, when no address accepts', async () => {
    const { whois, port } = await servers();
    const started = Date.now();
    const exchange = await exchangeWhois({ addresses: ['127.0.0.2'], port }, 'example.test', { timeoutMs: 800, signal: new AbortController().signal });

    assert.ok(Date.now() - started < 1300);
    assert.equal(exchange.error?.failureClass, 'transient');
    assert.equal(exchange.error?.code, 'whois_connect_failed');
    assert.match(exchange.error?.message ?? '', /did not accept the connection within 800 ms/);
    assert.equal(exchange.bytes.length, 0);
    assert.deepEqual(whois.queries, []);
  });
});
