import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDnsServer, type DnsServer } from '../../../test/fixture-servers/dns-server';
import { rdapDomain, startRdapServer, type RdapServer } from '../../../test/fixture-servers/rdap-server';
import { startWhoisReferralChain, startWhoisServer, type WhoisReferralChain, type WhoisServer, type WhoisServerOptions } from '../../../test/fixture-servers/whois-server';
import { TechniqueError, type TechniqueContext, type TechniqueNetwork, type TechniqueResult } from '../types';
import { whoisLookup, type WhoisLookupParams } from './index';

const sample = (name: string) => fs.readFileSync(path.join(__dirname, 'samples', name), 'utf8');

function network(overrides: Partial<TechniqueNetwork> = {}): TechniqueNetwork {
  return {
    dnsServers: ['127.0.0.1:9'],
    dnsTimeoutMs: 500,
    dnsTries: 1,
    whoisServer: 'whois.iana.org',
    whoisServerMap: {},
    whoisTimeoutMs: 3000,
    rdapEnabled: false,
    smtpPort: 25,
    smtpHeloName: 'probe.test',
    smtpMailFrom: 'probe@probe.test',
    smtpTimeoutMs: 1000,
    portScanConcurrency: 10,
    portScanTimeoutMs: 200,
    scanAllowedCidrs: [],
    ...overrides,
  };
}

interface Recorded {
  context: TechniqueContext;
  slots: [string, string][];
  heartbeats: Record<string, unknown>[];
}

function context(net: TechniqueNetwork, options: { signal?: AbortSignal; slot?: () => Promise<void> } = {}): Recorded {
  const slots: [string, string][] = [];
  const heartbeats: Record<string, unknown>[] = [];
  return {
    slots,
    heartbeats,
    context: {
      network: net,
      signal: options.signal ?? new AbortController().signal,
      heartbeat: (progress) => heartbeats.push(progress ?? {}),
      waitForDomainSlot: async (kind, domain) => {
        slots.push([kind, domain]);
        await options.slot?.();
      },
    },
  };
}

const at = (server: { host: string; port: number }) => `${server.host}:${server.port}`;

function chainMap(chain: WhoisReferralChain): Record<string, string> {
  return Object.fromEntries(Object.entries(chain.servers).map(([name, server]) => [name, at(server)]));
}

async function lookup(value: string, net: TechniqueNetwork, params: WhoisLookupParams = {}): Promise<TechniqueResult> {
  return whoisLookup({ type: 'domain', value }, params, context(net).context);
}

function isTechniqueError(failureClass: 'permanent' | 'transient', code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof TechniqueError, String(error));
    assert.equal(error.failureClass, failureClass);
    assert.equal(error.code, code);
    return true;
  };
}

describe('whois_lookup', function () {
  this.timeout(10000);
  const closers: { close(): Promise<void> }[] = [];

  async function whois(options: WhoisServerOptions): Promise<WhoisServer> {
    const server = await startWhoisServer(options);
    closers.push(server);
    return server;
  }

  async function chain(domain: string): Promise<WhoisReferralChain> {
    const started = await startWhoisReferralChain(domain);
    closers.push(started);
    return started;
  }

  async function rdapServer(options: Parameters<typeof startRdapServer>[0]): Promise<RdapServer> {
    const server = await startRdapServer(options);
    closers.push(server);
    return server;
  }

  async function dns(zone: Parameters<typeof startDnsServer>[0]['zone']): Promise<DnsServer> {
    const server = await startDnsServer({ zone });
    closers.push(server);
    return server;
  }

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((server) => server.close()));
  });

  it('follows IANA to the registry and the registrar, and merges what each says', async () => {
    const servers = await chain('example.test');
    const recorded = context(network({ whoisServerMap: chainMap(servers) }));

    const result = await whoisLookup({ type: 'email', value: 'someone@example.test' }, {}, recorded.context);

    assert.deepEqual(result.summary, { result: 'found', registrar: 'Fixture Registrar, Inc.', name_servers: 1, whois_hops: 3, rdap: 'skipped', errors: 0 });
    const [record] = result.findings;
    assert.equal(record?.finding_type, 'whois_record');
    assert.equal(record?.subject, 'example.test');
    assert.deepEqual(record?.stable_data, { registrar: 'Fixture Registrar, Inc.', created: '2001-02-03T04:05:06Z', name_servers: ['ns1.example.test'] });
    assert.deepEqual({ ...record?.data, whois_servers: undefined }, {
      domain: 'example.test',
      registrar: 'Fixture Registrar, Inc.',
      registrar_iana_id: null,
      registrant_organization: 'Fixture Holdings Ltd',
      registrant_country: 'GB',
      created: '2001-02-03T04:05:06Z',
      updated: null,
      expires: '2031-02-03T04:05:06Z',
      name_servers: ['ns1.example.test'],
      statuses: [],
      dnssec: null,
      sources: ['whois'],
      errors: [],
      whois_servers: undefined,
    });
    assert.deepEqual(record?.data.whois_servers, ['whois.iana.org', 'whois.registry.test', 'whois.registrar.test']);
    assert.deepEqual(result.findings[1], {
      finding_type: 'name_server',
      subject: 'example.test',
      data: { domain: 'example.test', name_server: 'ns1.example.test', source: 'whois' },
      stable_data: { name_server: 'ns1.example.test' },
    });
    assert.deepEqual(recorded.slots, [['whois', 'example.test'], ['whois', 'example.test'], ['whois', 'example.test']]);
    assert.deepEqual(recorded.heartbeats.map((beat) => beat.server), ['whois.iana.org', 'whois.registry.test', 'whois.registrar.test']);
  });

  it('keeps every answer as evidence, byte for byte', async () => {
    const servers = await chain('example.test');

    const result = await lookup('example.test', network({ whoisServerMap: chainMap(servers) }));

    assert.deepEqual(result.evidence.map((item) => item.name), [
      'whois-1-whois.iana.org.txt',
      'whois-2-whois.registry.test.txt',
      'whois-3-whois.registrar.test.txt',
    ]);
    const served = [servers.iana, servers.registry, servers.registrar].map((server) => Buffer.from(server.responses.get('example.test')!));
    result.evidence.forEach((item, index) => assert.ok(item.body.equals(served[index]!), item.name));
    assert.ok(result.evidence.every((item) => item.contentType === 'text/plain'));
  });

  it('starts at the registry named by the TLD table, never asking IANA, in the registry\'s dialect', async () => {
    const iana = await whois({});
    const registrar = await whois({ responses: { 'example-holdings.com': sample('com-registrar.txt') } });
    const registry = await whois({ responses: { 'domain example-holdings.com': sample('com-registry.txt') } });
    const net = network({
      whoisServerMap: { 'whois.iana.org': at(iana), 'whois.verisign-grs.com': at(registry), 'whois.registrar-one.example': at(registrar) },
    });

    const result = await lookup('Example-Holdings.com.', net);

    assert.deepEqual(iana.queries, []);
    assert.deepEqual(registry.queries, ['domain example-holdings.com']);
    assert.deepEqual(registrar.queries, ['example-holdings.com']);
    const data = result.findings[0]?.data as Record<string, unknown>;
    assert.equal(data.registrar, 'Registrar One, LLC');
    assert.equal(data.registrant_organization, 'Example Holdings Corporation');
    assert.equal(data.expires, '2028-09-14T04:00:00Z');
    assert.equal(data.dnssec, 'unsigned');
    assert.deepEqual(data.statuses, ['clientDeleteProhibited', 'clientTransferProhibited', 'clientUpdateProhibited']);
    assert.deepEqual(result.findings.slice(1).map((finding) => finding.data.name_server), ['ns1.example-dns.net', 'ns2.example-dns.net']);
  });

  it('stops at the registry when asked not to follow referrals', async () => {
    const servers = await chain('example.test');

    const result = await lookup('example.test', network({ whoisServerMap: chainMap(servers) }), { follow_referrals: false });

    assert.equal(result.summary.whois_hops, 2);
    assert.deepEqual(servers.registrar.queries, []);
    assert.equal(result.findings[0]?.data.registrant_organization, null);
  });

  it('reports an unregistered domain as a result, without findings', async () => {
    const servers = await chain('example.test');
    servers.iana.responses.set('unregistered.test', servers.iana.responses.get('example.test')!);

    const result = await lookup('unregistered.test', network({ whoisServerMap: chainMap(servers) }));

    assert.equal(result.summary.result, 'not_found');
    assert.deepEqual(result.findings, []);
    assert.equal(result.evidence.length, 2);
    assert.deepEqual(servers.registrar.queries, []);
  });

  it('merges the registry\'s RDAP answer into the record and keeps it as evidence', async () => {
    const registry = await whois({ responses: { 'domain example-holdings.com': sample('com-registry.txt').replace(/^.*DNSSEC.*$/m, '') } });
    const body = rdapDomain({
      name: 'example-holdings.com',
      registrar: { name: 'Registrar One, LLC', ianaId: '9999' },
      registrantOrganization: 'Example Holdings Corporation',
      registrantCountry: 'US',
      created: '1997-09-15T04:00:00Z',
      nameServers: ['ns1.example-dns.net', 'ns2.example-dns.net'],
      status: ['client transfer prohibited', 'server hold'],
      delegationSigned: true,
    });
    const rdap = await rdapServer({ domains: { 'example-holdings.com': body } });
    const net = network({ whoisServerMap: { 'whois.verisign-grs.com': at(registry) }, rdapEnabled: true, rdapBaseUrl: rdap.baseUrl });

    const result = await lookup('example-holdings.com', net, { follow_referrals: false });

    assert.deepEqual(rdap.requests, ['/domain/example-holdings.com']);
    const data = result.findings[0]?.data as Record<string, unknown>;
    assert.deepEqual(data.sources, ['whois', 'rdap']);
    assert.equal(data.dnssec, 'signed');
    assert.equal(data.registrant_organization, 'Example Holdings Corporation');
    assert.deepEqual(data.statuses, ['clientDeleteProhibited', 'clientTransferProhibited', 'clientUpdateProhibited', 'serverHold']);
    assert.equal(result.summary.rdap, 'found');
    const evidence = result.evidence.find((item) => item.name.startsWith('rdap-'));
    assert.equal(evidence?.name, `rdap-127.0.0.1_${rdap.port}.json`);
    assert.equal(evidence?.contentType, 'application/rdap+json');
    assert.deepEqual(JSON.parse(evidence!.body.toString()), body);
  });

  it('stands on RDAP when the WHOIS server fails, and asks no RDAP server for a TLD outside the bootstrap', async () => {
    const broken = await whois({ misbehaviour: 'close-without-answer' });
    const rdap = await rdapServer({ domains: { 'example-holdings.com': rdapDomain({ name: 'example-holdings.com', registrar: { name: 'Registrar One, LLC' } }) } });
    const servers = await chain('example.test');
    const net = network({
      whoisServerMap: { 'whois.verisign-grs.com': at(broken), ...chainMap(servers) },
      rdapEnabled: true,
      rdapBaseUrl: rdap.baseUrl,
    });

    const rescued = await lookup('example-holdings.com', net);
    const outside = await lookup('example.test', net);

    assert.equal(rescued.summary.result, 'found');
    assert.equal(rescued.findings[0]?.data.registrar, 'Registrar One, LLC');
    assert.deepEqual((rescued.findings[0]?.data.errors as { code: string }[]).map((error) => error.code), ['whois_empty_answer']);
    assert.equal(outside.summary.rdap, 'skipped');
    assert.equal(rdap.requests.length, 1);
  });

  it('resolves an RDAP server by name through the configured DNS servers', async () => {
    const rdap = await rdapServer({ domains: { 'example-holdings.com': rdapDomain({ name: 'example-holdings.com', registrar: { name: 'By Name' } }) } });
    const zone = await dns([{ type: 'A', name: 'rdap.fixture.test', data: '127.0.0.1' }]);
    const broken = await whois({ misbehaviour: 'close-without-answer' });
    const net = network({
      dnsServers: [zone.address],
      whoisServerMap: { 'whois.verisign-grs.com': at(broken) },
      rdapEnabled: true,
      rdapBaseUrl: `http://rdap.fixture.test:${rdap.port}/`,
    });

    const result = await lookup('example-holdings.com', net);

    assert.equal(result.findings[0]?.data.registrar, 'By Name');
    assert.ok(zone.queries.some((query) => query.name === 'rdap.fixture.test' && query.type === 'A'));
  });

  it('notes a broken or silent RDAP server without failing the WHOIS result', async () => {
    const registry = await whois({ responses: { 'domain example-holdings.com': sample('com-registry.txt') } });
    const garbage = await rdapServer({ misbehaviour: 'garbage' });
    const silent = await rdapServer({ misbehaviour: 'silent' });
    const net = (rdapBaseUrl: string) =>
      network({ whoisServerMap: { 'whois.verisign-grs.com': at(registry) }, rdapEnabled: true, rdapBaseUrl, whoisTimeoutMs: 400 });

    const garbled = await lookup('example-holdings.com', net(garbage.baseUrl), { follow_referrals: false });
    const started = performance.now();
    const unanswered = await lookup('example-holdings.com', net(silent.baseUrl), { follow_referrals: false });

    assert.ok(performance.now() - started < 900);
    for (const [result, code] of [[garbled, 'rdap_malformed'], [unanswered, 'rdap_timeout']] as const) {
      assert.equal(result.summary.result, 'found');
      assert.equal(result.summary.rdap, 'error');
      assert.deepEqual((result.findings[0]?.data.errors as { code: string }[]).map((error) => error.code), [code]);
      assert.deepEqual(result.findings[0]?.data.sources, ['whois']);
    }
  });

  it('fails as transient naming RDAP when WHOIS has no record and RDAP answers 503, is silent or is down', async () => {
    const unreadable = await whois({ misbehaviour: 'garbage' });
    const iana = await whois({ responses: { 'example.song': '% IANA WHOIS server\r\n\r\ndomain:       SONG\r\nstatus:       ACTIVE\r\n' } });
    const unavailable = await rdapServer({ misbehaviour: 'unavailable' });
    const silent = await rdapServer({ misbehaviour: 'silent' });
    const down = await rdapServer({});
    await down.close();
    const net = (rdapBaseUrl: string) =>
      network({ whoisServer: at(iana), whoisServerMap: { 'whois.verisign-grs.com': at(unreadable) }, rdapEnabled: true, rdapBaseUrl, whoisTimeoutMs: 400 });
    const namesRdap = (code: string, whoisSaid: string) => (error: unknown) => {
      isTechniqueError('transient', code)(error);
      assert.match((error as Error).message, new RegExp(`^${whoisSaid} for example\\.(com|song), and RDAP failed: .*127\\.0\\.0\\.1`));
      return true;
    };

    await assert.rejects(lookup('example.com', net(unavailable.baseUrl)), namesRdap('rdap_unavailable', 'WHOIS gave no readable record'));
    await assert.rejects(lookup('example.song', net(unavailable.baseUrl)), namesRdap('rdap_unavailable', 'no WHOIS server answers'));
    await assert.rejects(lookup('example.song', net(silent.baseUrl)), namesRdap('rdap_timeout', 'no WHOIS server answers'));
    await assert.rejects(lookup('example.com', net(down.baseUrl)), namesRdap('rdap_connection_failed', 'WHOIS gave no readable record'));
  });

  it('reports nothing found when WHOIS has no record and RDAP answers 404', async () => {
    const unreadable = await whois({ misbehaviour: 'garbage' });
    const iana = await whois({ responses: { 'example.song': '% IANA WHOIS server\r\n\r\ndomain:       SONG\r\nstatus:       ACTIVE\r\n' } });
    const rdap = await rdapServer({});
    const net = network({ whoisServer: at(iana), whoisServerMap: { 'whois.verisign-grs.com': at(unreadable) }, rdapEnabled: true, rdapBaseUrl: rdap.baseUrl });

    for (const domain of ['example.com', 'example.song']) {
      const result = await lookup(domain, net);

      assert.deepEqual(result.findings, [], domain);
      assert.equal(result.summary.result, 'not_found', domain);
      assert.equal(result.summary.rdap, 'not_found', domain);
    }
    assert.deepEqual(rdap.requests, ['/domain/example.com', '/domain/example.song']);
  });

  it('reads a .jp registration from JPRS, asked for its English answer', async () => {
    const jprs = await whois({ responses: { 'example.jp/e': sample('jp-registry.txt') } });

    const result = await lookup('example.jp', network({ whoisServerMap: { 'whois.jprs.jp': at(jprs) } }));

    assert.deepEqual(jprs.queries, ['example.jp/e']);
    assert.equal(result.summary.result, 'found');
    assert.deepEqual(result.findings[0]?.stable_data, { registrar: null, created: '2001-02-03T00:00:00Z', name_servers: ['ns1.example.jp', 'ns2.example-dns.jp'] });
    assert.equal(result.findings[0]?.data.expires, '2026-02-28T00:00:00Z');
    assert.deepEqual(result.findings.slice(1).map((finding) => finding.data.name_server), ['ns1.example.jp', 'ns2.example-dns.jp']);
  });

  it('fails as transient within the deadline when a server drips its answer (slow-loris)', async () => {
    const slow = await whois({ responses: { 'slow.test': 'Registrar: Slow\r\n'.repeat(50) }, misbehaviour: 'slow-loris', dripIntervalMs: 20 });
    const started = performance.now();

    await assert.rejects(lookup('slow.test', network({ whoisServer: at(slow), whoisTimeoutMs: 400 })), isTechniqueError('transient', 'whois_timeout'));

    const took = performance.now() - started;
    assert.ok(took >= 350 && took < 900, `took ${took.toFixed(0)} ms`);
  });

  it('reads binary garbage as an empty record rather than crashing, and keeps the bytes', async () => {
    const garbage = await whois({ misbehaviour: 'garbage' });

    const result = await lookup('noise.test', network({ whoisServer: at(garbage) }));

    assert.equal(result.summary.result, 'empty');
    assert.deepEqual(result.findings, []);
    assert.ok(result.evidence[0]?.body.includes(0x00));
  });

  it('fails as transient when the server closes without answering or refuses the connection', async () => {
    const mute = await whois({ misbehaviour: 'close-without-answer' });
    const gone = await whois({});
    await gone.close();

    await assert.rejects(lookup('example.test', network({ whoisServer: at(mute) })), isTechniqueError('transient', 'whois_empty_answer'));
    await assert.rejects(lookup('example.test', network({ whoisServer: at(gone) })), isTechniqueError('transient', 'whois_connect_failed'));
  });

  it('keeps the registry\'s record when the registrar it refers to fails', async () => {
    const registrar = await whois({ misbehaviour: 'slow-loris', responses: { 'example.test': 'Registrant Organization: Too Slow\r\n' }, dripIntervalMs: 50 });
    const registry = await whois({
      responses: { 'example.test': `Domain Name: EXAMPLE.TEST\r\nRegistrar: Fixture Registrar\r\nRegistrar WHOIS Server: whois://127.0.0.1:${registrar.port}\r\n` },
    });

    const result = await lookup('example.test', network({ whoisServer: at(registry), whoisTimeoutMs: 500, scanAllowedCidrs: ['127.0.0.1/32'] }));

    assert.equal(result.summary.result, 'found');
    assert.equal(result.findings[0]?.data.registrar, 'Fixture Registrar');
    assert.deepEqual((result.findings[0]?.data.errors as { code: string }[]).map((error) => error.code), ['whois_timeout']);
    assert.equal(result.evidence[1]?.name, 'whois-2-127.0.0.1.partial.txt');
  });

  it('resolves referred servers through the configured DNS servers and refuses private addresses', async () => {
    const registrar = await whois({ responses: { 'example.test': 'Registrant Organization: Found Through DNS\r\n' } });
    const zone = await dns([
      { type: 'A', name: 'whois.loopback-registrar.test', data: '127.0.0.1' },
      { type: 'A', name: 'whois.private-registrar.test', data: '10.0.0.7' },
    ]);
    const registryAnswer = (host: string) => `Domain Name: EXAMPLE.TEST\r\nRegistrar: R\r\nRegistrar WHOIS Server: whois://${host}:${registrar.port}\r\n`;
    const loopbackRegistry = await whois({ responses: { 'example.test': registryAnswer('whois.loopback-registrar.test') } });
    const privateRegistry = await whois({ responses: { 'example.test': registryAnswer('whois.private-registrar.test') } });
    const base = { dnsServers: [zone.address], scanAllowedCidrs: ['127.0.0.1/32'] };

    const resolved = await lookup('example.test', network({ ...base, whoisServer: at(loopbackRegistry) }));
    const refused = await lookup('example.test', network({ ...base, whoisServer: at(privateRegistry) }));

    assert.equal(resolved.findings[0]?.data.registrant_organization, 'Found Through DNS');
    assert.deepEqual(zone.queries.map((query) => query.name), ['whois.loopback-registrar.test', 'whois.private-registrar.test']);
    assert.equal(refused.findings[0]?.data.registrar, 'R');
    assert.deepEqual((refused.findings[0]?.data.errors as { code: string }[]).map((error) => error.code), ['guard_refused']);
    assert.equal(registrar.queries.length, 1);
  });

  it('refuses a malformed domain as permanent without any query', async () => {
    const servers = await chain('example.test');

    await assert.rejects(lookup('not a domain', network({ whoisServerMap: chainMap(servers) })), isTechniqueError('permanent', 'invalid_target'));

    assert.deepEqual(servers.iana.queries, []);
  });

  it('stops promptly when cancelled, while asking a server or while waiting for its slot', async () => {
    const silent = await whois({ misbehaviour: 'silent' });
    const reason = new Error('cancelled by the investigator');
    const asking = new AbortController();
    const waiting = new AbortController();
    setTimeout(() => asking.abort(reason), 100);
    setTimeout(() => waiting.abort(reason), 100);
    const net = network({ whoisServer: at(silent), whoisTimeoutMs: 5000 });
    const started = performance.now();

    await Promise.all([
      assert.rejects(whoisLookup({ type: 'domain', value: 'example.test' }, {}, context(net, { signal: asking.signal }).context), (error) => error === reason),
      assert.rejects(
        whoisLookup({ type: 'domain', value: 'example.test' }, {}, context(net, { signal: waiting.signal, slot: () => new Promise(() => undefined) }).context),
        (error) => error === reason,
      ),
    ]);

    assert.ok(performance.now() - started < 1000);
    assert.equal(silent.queries.length, 1);
  });
});
