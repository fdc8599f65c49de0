import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { startDnsServer, type DnsServer, type DnsServerOptions, type ZoneRecord } from '../../../test/fixture-servers/dns-server';
import { createTechniqueContext } from '../../../test/helpers/technique-context';
import { TechniqueError, type TechniqueFinding, type TechniqueResult } from '../types';
import { dnsLookup } from './index';

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
  { name: 'example.test', type: 'A', ttl: 120, data: '192.0.2.11' },
  { name: 'example.test', type: 'AAAA', ttl: 240, data: '2001:db8::10' },
  { name: 'example.test', type: 'MX', ttl: 900, data: { preference: 10, exchange: 'MX1.example.test' } },
  { name: 'example.test', type: 'NS', ttl: 86400, data: 'ns1.example.test' },
  { name: 'example.test', type: 'TXT', ttl: 60, data: ['v=spf1 ', '-all'] },
  { name: 'example.test', type: 'CAA', ttl: 30, data: { flags: 0, tag: 'issue', value: 'ca.example.test' } },
  { name: 'www.example.test', type: 'CNAME', ttl: 45, data: 'example.test' },
  { name: 'chain.example.test', type: 'CNAME', ttl: 45, data: 'www.example.test' },
  { name: 'empty.example.test', type: 'TXT', data: 'only text here' },
  ...['a', 'b', 'c'].map((letter): ZoneRecord => ({ name: 'big.example.test', type: 'TXT', data: letter.repeat(200) })),
];

const domain = (value: string) => ({ type: 'domain' as const, value });
const values = (result: TechniqueResult, type: string) =>
  result.findings.filter((finding) => finding.data.record_type === type).map((finding) => finding.data.value);

async function rejection(promise: Promise<unknown>): Promise<TechniqueError> {
  const error = await promise.then(
    () => assert.fail('expected the lookup to fail'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof TechniqueError, `expected a TechniqueError, got ${String(error)}`);
  return error;
}

describe('dns_lookup against the DNS fixture', () => {
  const servers: DnsServer[] = [];

  async function serve(options: Partial<DnsServerOptions> = {}): Promise<DnsServer> {
    const server = await startDnsServer({ zone, ...options });
    servers.push(server);
    return server;
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('reports every record type with its TTL as dns_record findings', async () => {
    const server = await serve();
    const context = createTechniqueContext({ dnsServers: [server.address] });

    const result = await dnsLookup(domain('example.test'), {}, context);

    const byType = (type: string) => result.findings.filter((finding) => finding.data.record_type === type);
    assert.deepEqual(values(result, 'A').sort(), ['192.0.2.10', '192.0.2.11']);
    assert.equal(byType('A')[0]?.data.ttl, 120);
    assert.deepEqual(values(result, 'AAAA'), ['2001:db8::10']);
    assert.deepEqual(byType('MX').map((finding) => finding.data), [
      { record_type: 'MX', value: '10 mx1.example.test', priority: 10, exchange: 'mx1.example.test', ttl: 900, owner: 'example.test' },
    ]);
    assert.deepEqual(values(result, 'NS'), ['ns1.example.test']);
    assert.equal(byType('NS')[0]?.data.ttl, 86400);
    assert.deepEqual(byType('TXT')[0]?.data, {
      record_type: 'TXT',
      value: 'v=spf1 -all',
      segments: ['v=spf1 ', '-all'],
      ttl: 60,
      owner: 'example.test',
    });
    assert.deepEqual(values(result, 'SOA'), ['ns1.example.test hostmaster.example.test 2024010101 7200 900 1209600 60']);
    assert.equal(byType('SOA')[0]?.data.ttl, 3600);
    assert.deepEqual(values(result, 'CAA'), ['0 issue "ca.example.test"']);
    assert.equal(byType('CAA')[0]?.data.ttl, 30);
    assert.deepEqual(values(result, 'CNAME'), []);
    for (const finding of result.findings) {
      assert.equal(finding.finding_type, 'dns_record');
      assert.equal(finding.subject, 'example.test');
      assert.deepEqual(finding.stable_data, { record_type: finding.data.record_type, value: finding.data.value });
    }
    assert.equal(result.summary.status, 'NOERROR');
    assert.deepEqual(result.summary.types, {
      A: 'NOERROR', AAAA: 'NOERROR', MX: 'NOERROR', NS: 'NOERROR', TXT: 'NOERROR', CNAME: 'NODATA', SOA: 'NOERROR', CAA: 'NOERROR',
    });
    assert.ok(context.heartbeats.length >= 1);
  });

  it('keeps every received message byte for byte as evidence', async () => {
    const server = await serve();
    const result = await dnsLookup(domain('example.test'), { record_types: ['MX', 'A'] }, createTechniqueContext({ dnsServers: [server.address] }));

    assert.equal(result.evidence.length, 1);
    const evidence = JSON.parse((result.evidence[0] as { body: Buffer }).body.toString()) as {
      queries: Array<{ record_type: string; rcode: string; messages: Array<{ transport: string; wire_base64: string }> }>;
    };
    assert.deepEqual(evidence.queries.map((query) => [query.record_type, query.rcode]), [['MX', 'NOERROR'], ['A', 'NOERROR']]);
    const mx = dnsPacket.decode(Buffer.from(evidence.queries[0]?.messages[0]?.wire_base64 ?? '', 'base64'));
    assert.deepEqual(mx.answers?.map((answer) => (answer as { data?: unknown }).data), [{ preference: 10, exchange: 'MX1.example.test' }]);
    // Re-encoding what was decoded gives back the received bytes: nothing was normalized away.
    const wire = Buffer.from(evidence.queries[1]?.messages[0]?.wire_base64 ?? '', 'base64');
    assert.deepEqual(dnsPacket.encode(dnsPacket.decode(wire)), wire);
  });

  it('looks up the domain of an email target', async () => {
    const server = await serve();
    const result = await dnsLookup({ type: 'email', value: 'alice@example.test' }, { record_types: ['MX'] }, createTechniqueContext({ dnsServers: [server.address] }));

    assert.deepEqual(values(result, 'MX'), ['10 mx1.example.test']);
    assert.equal(result.summary.name, 'example.test');
    assert.equal((result.findings[0] as TechniqueFinding).subject, 'example.test');
  });

  it('follows a CNAME and reports both the alias and the addresses behind it', async () => {
    const server = await serve();
    const result = await dnsLookup(domain('www.example.test'), { record_types: ['A', 'CNAME'] }, createTechniqueContext({ dnsServers: [server.address] }));

    assert.deepEqual(values(result, 'CNAME'), ['example.test']);
    assert.deepEqual(values(result, 'A').sort(), ['192.0.2.10', '192.0.2.11']);
    assert.equal(result.findings.find((finding) => finding.data.record_type === 'A')?.data.owner, 'example.test');
    assert.equal(result.findings.find((finding) => finding.data.record_type === 'A')?.subject, 'www.example.test');
  });

  it('reports each CNAME of a chain under its own owner, never a name aliased to the end of the chain', async () => {
    const server = await serve();
    const result = await dnsLookup(domain('chain.example.test'), { record_types: ['A', 'CNAME'] }, createTechniqueContext({ dnsServers: [server.address] }));

    const aliases = result.findings.filter((finding) => finding.data.record_type === 'CNAME').map((finding) => `${finding.subject} → ${String(finding.data.value)}`);
    assert.deepEqual(aliases.sort(), ['chain.example.test → www.example.test', 'www.example.test → example.test']);
    // The addresses are what the queried name resolves to.
    assert.deepEqual(
      result.findings.filter((finding) => finding.data.record_type === 'A').map((finding) => finding.subject),
      ['chain.example.test', 'chain.example.test'],
    );
  });

  it('reports NXDOMAIN as a result without findings', async () => {
    const server = await serve();
    const result = await dnsLookup(domain('missing.example.test'), {}, createTechniqueContext({ dnsServers: [server.address] }));

    assert.deepEqual(result.findings, []);
    assert.equal(result.summary.status, 'NXDOMAIN');
    assert.equal((result.summary.types as Record<string, string>).A, 'NXDOMAIN');
  });

  it('reports NODATA per type when the name exists without records of that type', async () => {
    const server = await serve();
    const result = await dnsLookup(domain('empty.example.test'), { record_types: ['A', 'MX', 'TXT'] }, createTechniqueContext({ dnsServers: [server.address] }));

    assert.deepEqual(result.summary.types, { A: 'NODATA', MX: 'NODATA', TXT: 'NOERROR' });
    assert.equal(result.summary.status, 'NOERROR');
    assert.deepEqual(values(result, 'TXT'), ['only text here']);

    const none = await dnsLookup(domain('empty.example.test'), { record_types: ['A'] }, createTechniqueContext({ dnsServers: [server.address] }));
    assert.equal(none.summary.status, 'NODATA');
  });

  it('retries over TCP when the UDP answer is truncated', async () => {
    const server = await serve({ truncateUdpAbove: 400 });
    const result = await dnsLookup(domain('big.example.test'), { record_types: ['TXT'] }, createTechniqueContext({ dnsServers: [server.address] }));

    assert.deepEqual(values(result, 'TXT').sort(), ['a', 'b', 'c'].map((letter) => letter.repeat(200)));
    assert.deepEqual(server.queries.map((query) => [query.transport, query.outcome]), [['udp', 'TRUNCATED'], ['tcp', 'NOERROR']]);
    const evidence = JSON.parse((result.evidence[0] as { body: Buffer }).body.toString()) as {
      queries: Array<{ messages: Array<{ transport: string }> }>;
    };
    assert.deepEqual(evidence.queries[0]?.messages.map((message) => message.transport), ['udp', 'tcp']);
  });

  it('asks again after a lost datagram and succeeds', async () => {
    const server = await serve({ dropFirst: 1 });
    const result = await dnsLookup(domain('example.test'), { record_types: ['A'] }, createTechniqueContext({ dnsServers: [server.address], dnsTimeoutMs: 100 }));

    assert.equal(values(result, 'A').length, 2);
    assert.deepEqual(server.queries.map((query) => query.outcome), ['DROPPED', 'NOERROR']);
  });

  it('moves on to the next server when the first answers SERVFAIL', async () => {
    const failing = await serve({ servfail: true });
    const healthy = await serve();
    const result = await dnsLookup(domain('example.test'), { record_types: ['NS'] }, createTechniqueContext({ dnsServers: [failing.address, healthy.address] }));

    assert.deepEqual(values(result, 'NS'), ['ns1.example.test']);
    assert.equal(failing.queries.length, 1);
  });

  it('fails as retryable when every server stays silent', async () => {
    const server = await serve({ dropFirst: 1000 });
    const started = Date.now();
    const error = await rejection(dnsLookup(domain('example.test'), {}, createTechniqueContext({ dnsServers: [server.address], dnsTimeoutMs: 80, dnsTries: 2 })));

    assert.equal(error.failureClass, 'transient');
    assert.equal(error.code, 'dns_timeout');
    assert.ok(Date.now() - started < 1000, 'eight types are asked in parallel, not one after another');
  });

  it('fails as retryable on SERVFAIL', async () => {
    const server = await serve({ servfail: true });
    const error = await rejection(dnsLookup(domain('example.test'), { record_types: ['A', 'MX'] }, createTechniqueContext({ dnsServers: [server.address] })));

    assert.equal(error.failureClass, 'transient');
    assert.equal(error.code, 'dns_servfail');
    assert.match(error.message, /A: servfail, MX: servfail/);
  });

  it('fails as retryable when the server answers with garbage', async () => {
    const server = await serve({ garbage: true });
    const error = await rejection(dnsLookup(domain('example.test'), { record_types: ['A'] }, createTechniqueContext({ dnsServers: [server.address] })));

    assert.equal(error.failureClass, 'transient');
    assert.equal(error.code, 'dns_malformed_reply');
  });

  it('refuses a malformed name as a permanent failure without sending a query', async () => {
    const server = await serve();
    for (const value of ['bad..example.test', `${'x'.repeat(64)}.example.test`, '-lead.example.test', 'sp ace.test']) {
      const error = await rejection(dnsLookup(domain(value), {}, createTechniqueContext({ dnsServers: [server.address] })));
      assert.equal(error.failureClass, 'permanent');
      assert.equal(error.code, 'invalid_target');
    }
    assert.equal(server.queries.length, 0);
  });

  it('stops waiting and rejects with the abort reason when cancelled', async () => {
    const server = await serve({ dropFirst: 1000 });
    const context = createTechniqueContext({ dnsServers: [server.address], dnsTimeoutMs: 5000 });
    const lookup = dnsLookup(domain('example.test'), {}, context);
    setTimeout(() => context.controller.abort(new Error('cancelled by the test')), 50);
    const started = Date.now();

    await assert.rejects(lookup, /cancelled by the test/);
    assert.ok(Date.now() - started < 1000);
  });
});
