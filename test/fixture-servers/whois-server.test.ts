import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWhoisReferralChain, startWhoisServer, WHOIS_CHAIN_HOSTS, type WhoisServer } from './whois-server';

interface Exchange {
  text: string;
  bytes: Buffer;
  closed: boolean;
  socket: net.Socket;
}

/** Sends one query and collects what arrives within `waitMs` or until the server closes. */
async function query(port: number, line: string, waitMs = 1000): Promise<Exchange> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(line);
  const closed = await Promise.race([
    new Promise<boolean>((resolve) => socket.once('end', () => resolve(true))),
    sleep(waitMs).then(() => false),
  ]);
  const bytes = Buffer.concat(chunks);
  return { text: bytes.toString('utf8'), bytes, closed, socket };
}

describe('WHOIS fixture server', () => {
  const servers: WhoisServer[] = [];
  const sockets: net.Socket[] = [];

  async function start(options: Parameters<typeof startWhoisServer>[0]): Promise<WhoisServer> {
    const server = await startWhoisServer(options);
    servers.push(server);
    return server;
  }

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('answers a mapped query regardless of case and then closes', async () => {
    const server = await start({ responses: { 'example.test': 'Domain Name: EXAMPLE.TEST\r\n' } });

    const exchange = await query(server.port, 'EXAMPLE.test\r\n');

    assert.equal(exchange.text, 'Domain Name: EXAMPLE.TEST\r\n');
    assert.equal(exchange.closed, true);
    assert.deepEqual(server.queries, ['EXAMPLE.test']);
  });

  it('answers "No match" for an unknown query', async () => {
    const server = await start({});

    const exchange = await query(server.port, 'unknown.test\r\n');

    assert.equal(exchange.text, 'No match for "unknown.test".\r\n');
  });

  it('answers a query that ends without a line break once the client stops sending', async () => {
    const server = await start({ responses: { 'example.test': 'found\r\n' } });
    const socket = net.connect(server.port, '127.0.0.1');
    socket.end('example.test');

    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);

    assert.equal(Buffer.concat(chunks).toString(), 'found\r\n');
  });

  it('serves answers added after start', async () => {
    const server = await start({});
    server.responses.set('late.test', 'refer: whois.late.test\r\n');

    assert.equal((await query(server.port, 'late.test\r\n')).text, 'refer: whois.late.test\r\n');
  });

  it('serves a referral chain from IANA through the registry to the registrar', async () => {
    const chain = await startWhoisReferralChain('example.test');
    try {
      let host: string | undefined = WHOIS_CHAIN_HOSTS.iana;
      const visited: string[] = [];
      let text = '';
      while (host && !visited.includes(host)) {
        visited.push(host);
        text = (await query(chain.servers[host]!.port, 'example.test\r\n')).text;
        host = /^\s*(?:refer|Registrar WHOIS Server):\s*(\S+)/im.exec(text)?.[1];
      }

      assert.deepEqual(visited, ['whois.iana.org', 'whois.registry.test', 'whois.registrar.test']);
      assert.match(text, /Registrant Organization: Fixture Holdings Ltd/);
      assert.deepEqual(chain.registrar.queries, ['example.test']);
    } finally {
      await chain.close();
    }
  });

  it('drips the answer slowly and never closes when playing slow-loris', async () => {
    const server = await start({ responses: { 'slow.test': 'x'.repeat(100) }, misbehaviour: 'slow-loris', dripIntervalMs: 50 });

    const exchange = await query(server.port, 'slow.test\r\n', 300);
    sockets.push(exchange.socket);

    assert.equal(exchange.closed, false);
    assert.ok(exchange.bytes.length > 0 && exchange.bytes.length < 10, `got ${exchange.bytes.length} bytes`);
  });

  it('closes without a byte when scripted to', async () => {
    const server = await start({ misbehaviour: 'close-without-answer' });

    const exchange = await query(server.port, 'example.test\r\n');

    assert.equal(exchange.closed, true);
    assert.equal(exchange.bytes.length, 0);
    assert.deepEqual(server.queries, ['example.test']);
  });

  it('holds the connection open without answering when silent', async () => {
    const server = await start({ misbehaviour: 'silent' });

    const exchange = await query(server.port, 'example.test\r\n', 200);
    sockets.push(exchange.socket);

    assert.equal(exchange.closed, false);
    assert.equal(exchange.bytes.length, 0);
  });

  it('answers with binary garbage when scripted to', async () => {
    const server = await start({ misbehaviour: 'garbage' });

    const exchange = await query(server.port, 'example.test\r\n');

    assert.equal(exchange.closed, true);
    assert.ok(exchange.bytes.includes(0x00));
  });

  it('survives a client that resets mid-answer and destroys open connections on close', async () => {
    const server = await start({ responses: { 'slow.test': 'abcdef' }, misbehaviour: 'slow-loris', dripIntervalMs: 20 });
    const reset = await query(server.port, 'slow.test\r\n', 50);
    reset.socket.resetAndDestroy();
    const held = await query(server.port, 'slow.test\r\n', 50);
    const closed = new Promise((resolve) => held.socket.once('close', resolve));

    await server.close();

    await closed;
    assert.equal(server.queries.length, 2);
  });
});
