import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { testNetwork } from '../../../test/helpers/technique-context';
import { TechniqueError } from '../types';
import { lookupMailHosts, type DnsLogEntry } from './mail-hosts';

/** How the scripted resolver treats one query type: records to answer, SERVFAIL, or silence. */
type Behaviour = { answer: string[] } | 'servfail' | 'silent';

/**
 * A loopback DNS server scripted per query type, for what the zone fixture cannot do: fail one
 * type of a name while answering another. A type without a script gets an empty answer (NODATA).
 */
async function startScriptedDns(script: Partial<Record<'A' | 'AAAA', Behaviour>>): Promise<{ address: string; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, remote) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    const behaviour = script[question.type as 'A' | 'AAAA'] ?? { answer: [] };
    if (behaviour === 'silent') return;
    const reply: Packet = {
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (behaviour === 'servfail' ? 2 : 0),
      questions: [question],
      answers: behaviour === 'servfail' ? [] : behaviour.answer.map((data) => ({ name: question.name, type: question.type as 'A', ttl: 300, data })),
    };
    socket.send(dnsPacket.encode(reply), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

describe('mail hosts of a domain without MX', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function lookup(script: Parameters<typeof startScriptedDns>[0], log: DnsLogEntry[] = []) {
    const dns = await startScriptedDns(script);
    closers.push(() => dns.close());
    const network = testNetwork({ dnsServers: [dns.address], dnsTimeoutMs: 200, dnsTries: 1 });
    return lookupMailHosts('nomx.test', network, new AbortController().signal, log);
  }

  it('uses the A records when AAAA fails with SERVFAIL or times out', async () => {
    for (const failure of ['servfail', 'silent'] as const) {
      const log: DnsLogEntry[] = [];
      const hosts = await lookup({ A: { answer: ['127.0.0.1'] }, AAAA: failure }, log);
      assert.deepEqual(hosts, { kind: 'implicit', hosts: [{ exchange: 'nomx.test', priority: 0 }], addresses: ['127.0.0.1'] });
      assert.equal(log.find((entry) => entry.query === 'AAAA nomx.test')?.error, failure === 'servfail' ? 'ESERVFAIL' : 'ETIMEOUT');
    }
  });

  it('uses the AAAA records when A fails', async () => {
    const hosts = await lookup({ A: 'servfail', AAAA: { answer: ['::1'] } });
    assert.deepEqual(hosts, { kind: 'implicit', hosts: [{ exchange: 'nomx.test', priority: 0 }], addresses: ['::1'] });
  });

  it('fails as retryable, not "no mail server", when one family finds nothing and the other fails', async () => {
    const error = await lookup({ AAAA: 'servfail' }).then(
      () => assert.fail('expected the lookup to fail'),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof TechniqueError);
    assert.equal(error.failureClass, 'transient');
    assert.equal(error.code, 'dns_servfail');
  });

  it('finds no mail server only when both families answer with no records', async () => {
    assert.deepEqual(await lookup({}), { kind: 'no_mail_server', hosts: [] });
  });
});
