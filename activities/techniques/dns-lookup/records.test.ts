import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { decodeResponse, parseDnsServer, rcodeName } from './dns-wire';
import { dnsNameProblem } from './dns-name';
import { DNS_RECORD_TYPES, describeRecord } from './records';

/** Responses as a server sends them, with name compression (pointers to offset 12). */
const RECORDED = {
  mx: '1a2b81800001000200000000076578616d706c6503636f6d00000f0001c00c000f000100000e100008000a036d7831c00cc00c000f000100000e1000080014036d7832c00c',
  txt: '010281800001000200000000076578616d706c6503636f6d0000100001c00c001000010000012c00100b763d444b494d313b206b3d03727361c00c001000010000012c00060561620063ff',
  soa: '030481800001000100000000076578616d706c6503636f6d0000060001c00c0006000100000e100027036e7331c00c0a686f73746d6173746572c00c78a4b4c500001c2000000e10001275000000012c',
  caa: '050681800001000100000000076578616d706c6503636f6d0001010001c00c0101000100015180001d8005696f6465666d61696c746f3a736563406578616d706c652e636f6d',
  nxdomain: '070881830001000000000000076578616d706c6503636f6d0000010001',
};

const wanted = new Set<string>(DNS_RECORD_TYPES);
const describeAll = (hex: string) =>
  (dnsPacket.decode(Buffer.from(hex, 'hex')).answers ?? []).map((answer) => describeRecord(answer, wanted));

describe('DNS record descriptions', () => {
  it('describes compressed MX records with priority, exchange and TTL', () => {
    assert.deepEqual(describeAll(RECORDED.mx), [
      { record_type: 'MX', value: '10 mx1.example.com', priority: 10, exchange: 'mx1.example.com', ttl: 3600, owner: 'example.com' },
      { record_type: 'MX', value: '20 mx2.example.com', priority: 20, exchange: 'mx2.example.com', ttl: 3600, owner: 'example.com' },
    ]);
  });

  it('joins the character-strings of a TXT record and escapes NUL for jsonb', () => {
    const [dkim, odd] = describeAll(RECORDED.txt);
    assert.deepEqual(dkim, {
      record_type: 'TXT',
      value: 'v=DKIM1; k=rsa',
      segments: ['v=DKIM1; k=', 'rsa'],
      ttl: 300,
      owner: 'example.com',
    });
    assert.equal(odd?.value, 'ab\\000c\ufffd');
  });

  it('describes an SOA record in dig order', () => {
    const [soa] = describeAll(RECORDED.soa);
    assert.equal(soa?.value, 'ns1.example.com hostmaster.example.com 2024060101 7200 3600 1209600 300');
    assert.equal(soa?.serial, 2024060101);
    assert.equal(soa?.ttl, 3600);
  });

  it('describes a critical CAA iodef record', () => {
    const [caa] = describeAll(RECORDED.caa);
    assert.equal(caa?.value, '128 iodef "mailto:sec@example.com"');
    assert.equal(caa?.tag, 'iodef');
    assert.equal(caa?.ttl, 86400);
  });

  it('ignores records of types that were not asked for', () => {
    const [answer] = dnsPacket.decode(Buffer.from(RECORDED.mx, 'hex')).answers ?? [];
    assert.equal(describeRecord(answer as dnsPacket.Answer, new Set(['A'])), undefined);
  });
});

describe('DNS response decoding', () => {
  it('accepts a response to the question asked, whatever the case of the name', () => {
    const result = decodeResponse(Buffer.from(RECORDED.mx, 'hex'), 'EXAMPLE.com', 'MX');
    assert.equal(result?.kind, 'response');
    assert.equal(result?.kind === 'response' ? result.rcode : '', 'NOERROR');
  });

  it('reads NXDOMAIN from the header', () => {
    const result = decodeResponse(Buffer.from(RECORDED.nxdomain, 'hex'), 'example.com', 'A');
    assert.equal(result?.kind === 'response' ? result.rcode : result?.kind, 'NXDOMAIN');
    assert.equal(rcodeName({ flags: 0x8185 }), 'REFUSED');
    assert.equal(rcodeName({ flags: 0x818b }), 'RCODE11');
  });

  it('ignores a well-formed response to another question', () => {
    assert.equal(decodeResponse(Buffer.from(RECORDED.mx, 'hex'), 'example.org', 'MX'), undefined);
    assert.equal(decodeResponse(Buffer.from(RECORDED.mx, 'hex'), 'example.com', 'TXT'), undefined);
  });

  it('calls a truncated message or garbage malformed', () => {
    const cut = Buffer.from(RECORDED.mx, 'hex').subarray(0, 40);
    assert.deepEqual(decodeResponse(cut, 'example.com', 'MX'), { kind: 'malformed' });
    assert.deepEqual(decodeResponse(Buffer.from('1a2bff133700dead', 'hex'), 'example.com', 'MX'), { kind: 'malformed' });
  });

  it('calls a query (no QR bit) malformed as a response', () => {
    const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'example.com', type: 'A' }] });
    assert.deepEqual(decodeResponse(query, 'example.com', 'A'), { kind: 'malformed' });
  });
});

describe('DNS server and name parsing', () => {
  it('parses servers with and without ports, IPv4 and IPv6', () => {
    assert.deepEqual(parseDnsServer('127.0.0.1'), { host: '127.0.0.1', port: 53, family: 'udp4', label: '127.0.0.1' });
    assert.deepEqual(parseDnsServer('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353, family: 'udp4', label: '127.0.0.1:5353' });
    assert.deepEqual(parseDnsServer('[::1]:5353'), { host: '::1', port: 5353, family: 'udp6', label: '[::1]:5353' });
    assert.deepEqual(parseDnsServer('::1'), { host: '::1', port: 53, family: 'udp6', label: '::1' });
  });

  it('refuses a server that is not an IP literal', () => {
    assert.equal(parseDnsServer('dns.example.com:53'), null);
    assert.equal(parseDnsServer('127.0.0.1:99999'), null);
  });

  it('accepts service labels and refuses empty or oversized labels', () => {
    assert.equal(dnsNameProblem('_dmarc.example.com'), null);
    assert.equal(dnsNameProblem('example.com.'), null);
    assert.match(dnsNameProblem('a..b') ?? '', /invalid label ""/);
    assert.match(dnsNameProblem(`${'a'.repeat(64)}.com`) ?? '', /invalid label/);
    assert.match(dnsNameProblem(`${'a.'.repeat(127)}com`) ?? '', /longer than 253/);
  });
});
