import assert from 'node:assert/strict';
import http from 'node:http';
import { rdapDomain, startRdapServer, type RdapServer } from './rdap-server';

interface Reply {
  status: number;
  contentType: string | undefined;
  body: string;
}

function get(url: string, timeoutMs = 1000): Promise<Reply | 'timeout'> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], body: Buffer.concat(chunks).toString() }),
      );
    });
    request.on('error', reject);
    request.setTimeout(timeoutMs, () => {
      request.destroy();
      resolve('timeout');
    });
  });
}

describe('RDAP fixture server', () => {
  const servers: RdapServer[] = [];

  async function start(options: Parameters<typeof startRdapServer>[0]): Promise<RdapServer> {
    const server = await startRdapServer(options);
    servers.push(server);
    return server;
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('answers a known domain with its RDAP object under any base path, regardless of case', async () => {
    const body = rdapDomain({ name: 'example.com', registrar: { name: 'Fixture Registrar, Inc.', ianaId: '9999' } });
    const server = await start({ domains: { 'example.com': body } });

    const reply = await get(`${server.baseUrl}com/v1/domain/EXAMPLE.com`);

    assert.notEqual(reply, 'timeout');
    assert.equal((reply as Reply).status, 200);
    assert.equal((reply as Reply).contentType, 'application/rdap+json');
    assert.deepEqual(JSON.parse((reply as Reply).body), body);
    assert.deepEqual(server.requests, ['/com/v1/domain/EXAMPLE.com']);
  });

  it('answers 404 in the RDAP error shape for an unknown domain', async () => {
    const server = await start({});

    const reply = (await get(`${server.baseUrl}domain/unknown.com`)) as Reply;

    assert.equal(reply.status, 404);
    assert.equal(JSON.parse(reply.body).errorCode, 404);
  });

  it('serves domains added after start', async () => {
    const server = await start({});
    server.domains.set('late.org', rdapDomain({ name: 'late.org' }));

    assert.equal(((await get(`${server.baseUrl}domain/late.org`)) as Reply).status, 200);
  });

  it('builds domain objects with events, entities, name servers and DNSSEC as registries do', () => {
    const body = rdapDomain({
      name: 'example.org',
      registrar: { name: 'Registrar Two Ltd.', ianaId: '8888' },
      registrantOrganization: 'Example Foundation',
      registrantCountry: 'GB',
      created: '2002-03-21T19:44:52Z',
      expires: '2029-03-21T19:44:52Z',
      nameServers: ['ns-a.example.org'],
      status: ['client transfer prohibited'],
      delegationSigned: true,
    }) as { events: unknown[]; entities: { roles: string[] }[]; nameservers: { ldhName: string }[]; secureDNS: unknown };

    assert.equal(body.events.length, 2);
    assert.deepEqual(body.entities.map((entity) => entity.roles[0]), ['registrar', 'registrant']);
    assert.equal(body.nameservers[0]?.ldhName, 'NS-A.EXAMPLE.ORG');
    assert.deepEqual(body.secureDNS, { delegationSigned: true });
  });

  it('answers garbage, 503, or nothing at all when scripted to', async () => {
    const garbage = await start({ misbehaviour: 'garbage' });
    const unavailable = await start({ misbehaviour: 'unavailable' });
    const silent = await start({ misbehaviour: 'silent' });

    const garbled = (await get(`${garbage.baseUrl}domain/example.com`)) as Reply;
    assert.equal(garbled.status, 200);
    assert.throws(() => JSON.parse(garbled.body));
    assert.equal(((await get(`${unavailable.baseUrl}domain/example.com`)) as Reply).status, 503);
    assert.equal(await get(`${silent.baseUrl}domain/example.com`, 200), 'timeout');
  });
});
