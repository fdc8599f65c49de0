import assert from 'node:assert/strict';
import net from 'node:net';
import { Resolver } from 'node:dns/promises';
import dnsPacket from 'dns-packet';
import { startDnsServer, type DnsServer, type DnsServerOptions, type ZoneRecord } from './dns-server';

const zone: ZoneRecord[] = [
  {
    name: 'example.test',
    type: 'SOA',
    ttl: 3600,
    data: {
      mname: 'ns1.example.test',
      rname: 'hostmaster.example.test',
      serial: 2024010101,
      refresh: 7200,
      retry: 900,
      expire: 1209600,
      minimum: 60,
    },
  },
  { name: 'example.test', type: 'A', ttl: 120, data: '192.0.2.10' },
  { name: 'example.test', type: 'AAAA', ttl: 240, data: '2001:db8::10' },
  { name: 'example.test', type: 'MX', data: { preference: 10, exchange: 'mx1.example.test' } },
  { name: 'example.test', type: 'NS', data: 'ns1.example.test' },
  { name: 'example.test', type: 'TXT', data: 'v=spf1 -all' },
  { name: 'example.test', type: 'CAA', data: { flags: 0, tag: 'issue', value: 'ca.example.test' } },
  { name: 'www.example.test', type: 'CNAME', data: 'example.test' },
  { name: 'mx1.deep.example.test', type: 'A', data: '192.0.2.25' },
  ...['a', 'b', 'c'].map((letter): ZoneRecord => ({ name: 'big.example.test', type: 'TXT', data: letter.repeat(200) })),
];

describe('DNS fixture server', () => {
  let server: DnsServer;

  async function start(options: Partial<DnsServerOptions> = {}, tries = 2): Promise<Resolver> {
    server = await startDnsServer({ zone, ...options });
    const resolver = new Resolver({ timeout: 100, tries });
    resolver.setServers([server.address]);
    return resolver;
  }

  afterEach(async () => {
    await server?.close();
  });

  it('answers every zone record type with its TTL', async () => {
    const resolver = await start();

    assert.deepEqual(await resolver.resolve4('example.test', { ttl: true }), [{ address: '192.0.2.10', ttl: 120 }]);
    assert.deepEqual(await resolver.resolve6('example.test', { ttl: true }), [{ address: '2001:db8::10', ttl: 240 }]);
    assert.deepEqual(await resolver.resolveMx('example.test'), [{ exchange: 'mx1.example.test', priority: 10 }]);
    assert.deepEqual(await resolver.resolveNs('example.test'), ['ns1.example.test']);
    assert.deepEqual(await resolver.resolveTxt('example.test'), [['v=spf1 -all']]);
    assert.deepEqual(await resolver.resolveCname('www.example.test'), ['example.test']);
    assert.deepEqual(await resolver.resolveCaa('example.test'), [{ critical: 0, issue: 'ca.example.test' }]);
    assert.deepEqual(await resolver.resolveSoa('example.test'), {
      nsname: 'ns1.example.test',
      hostmaster: 'hostmaster.example.test',
      serial: 2024010101,
      refresh: 7200,
      retry: 900,
      expire: 1209600,
      minttl: 60,
    });
  });

  it('follows a CNAME to the address it points at', async () => {
    const resolver = await start();

    assert.deepEqual(await resolver.resolve4('WWW.Example.Test'), ['192.0.2.10']);
  });

  it('answers NXDOMAIN for a name outside the zone data', async () => {
    const resolver = await start();

    await assert.rejects(resolver.resolve4('missing.example.test'), { code: 'ENOTFOUND' });
    assert.equal(server.queries[0]?.outcome, 'NXDOMAIN');
  });

  it('answers NODATA for a known name without the asked type', async () => {
    const resolver = await start();

    await assert.rejects(resolver.resolveMx('mx1.deep.example.test'), { code: 'ENODATA' });
    await assert.rejects(resolver.resolve4('deep.example.test'), { code: 'ENODATA' });
  });

  it('answers SERVFAIL while the script asks for it, and recovers when it stops', async () => {
    const resolver = await start({ servfail: true });

    await assert.rejects(resolver.resolve4('example.test'), { code: 'ESERVFAIL' });
    server.script.servfail = false;
    assert.deepEqual(await resolver.resolve4('example.test'), ['192.0.2.10']);
  });

  it('stays silent for the first queries so the client retries', async () => {
    const resolver = await start({ dropFirst: 1 });

    assert.deepEqual(await resolver.resolve4('example.test'), ['192.0.2.10']);
    assert.deepEqual(server.queries.map((query) => query.outcome), ['DROPPED', 'NOERROR']);
  });

  it('lets the client time out when it never answers', async () => {
    const resolver = await start({ dropFirst: Infinity }, 1);

    await assert.rejects(resolver.resolve4('example.test'), { code: 'ETIMEOUT' });
  });

  it('truncates large UDP answers so the client retries over TCP', async () => {
    const resolver = await start({ truncateUdpAbove: 512 });

    const records = await resolver.resolveTxt('big.example.test');

    assert.equal(records.length, 3);
    assert.deepEqual(
      server.queries.map((query) => `${query.transport} ${query.outcome}`),
      ['udp TRUNCATED', 'tcp NOERROR'],
    );
  });

  it('sends garbage that the client rejects as a bad response', async () => {
    const resolver = await start({ garbage: true });

    await assert.rejects(resolver.resolve4('example.test'), { code: 'EBADRESP' });
  });

  it('answers several length-prefixed queries on one TCP connection', async () => {
    await start();
    const socket = net.connect(server.port, server.host);
    const query = (id: number, name: string) =>
      dnsPacket.streamEncode({ type: 'query', id, questions: [{ type: 'A', name }] });
    socket.write(Buffer.concat([query(1, 'example.test'), query(2, 'missing.example.test')]));

    const [first, second] = await readFramedMessages(socket, 2);
    socket.destroy();

    assert.equal(first?.id, 1);
    assert.deepEqual(first?.answers?.map((answer) => ('data' in answer ? answer.data : undefined)), ['192.0.2.10']);
    assert.equal(second?.id, 2);
    assert.equal((second?.flags ?? 0) & 0xf, 3);
  });

  it('destroys open TCP connections when closed', async () => {
    await start();
    const socket = net.connect(server.port, server.host);
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));

    await server.close();

    await closed;
  });
});

async function readFramedMessages(socket: net.Socket, count: number): Promise<dnsPacket.Packet[]> {
  let wire = Buffer.alloc(0);
  const messages: dnsPacket.Packet[] = [];
  for await (const chunk of socket) {
    wire = Buffer.concat([wire, chunk as Buffer]);
    while (wire.length >= 2 && wire.length >= 2 + wire.readUInt16BE(0)) {
      messages.push(dnsPacket.decode(wire.subarray(2, 2 + wire.readUInt16BE(0))));
      wire = wire.subarray(2 + wire.readUInt16BE(0));
    }
    if (messages.length >= count) break;
  }
  return messages;
}
