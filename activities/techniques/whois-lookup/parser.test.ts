import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { rdapDomain } from '../../../test/fixture-servers/rdap-server';
import { findReferral, isIanaAnswer, isNoMatch, parseWhoisText } from './parser';
import { parseRdapDomain, RDAP_BOOTSTRAP_PUBLICATION, rdapBaseUrl } from './rdap';
import { mergeRecords, normalizeDate, type RegistrationRecord } from './record';
import { queryFor, registryServerFor, WHOIS_TABLE_RETRIEVED } from './servers';

const sample = (name: string) => fs.readFileSync(path.join(__dirname, 'samples', name), 'utf8');

const EMPTY: RegistrationRecord = {
  domain: null,
  registrar: null,
  registrar_iana_id: null,
  registrant_organization: null,
  registrant_country: null,
  created: null,
  updated: null,
  expires: null,
  name_servers: [],
  statuses: [],
  dnssec: null,
};

describe('WHOIS answer parsing', () => {
  it('reads a .com registry answer (Verisign style)', () => {
    assert.deepEqual(parseWhoisText(sample('com-registry.txt')), {
      ...EMPTY,
      domain: 'example-holdings.com',
      registrar: 'Registrar One, LLC',
      registrar_iana_id: '9999',
      created: '1997-09-15T04:00:00Z',
      updated: '2023-08-14T07:01:31Z',
      expires: '2028-09-14T04:00:00Z',
      name_servers: ['ns1.example-dns.net', 'ns2.example-dns.net'],
      statuses: ['clientDeleteProhibited', 'clientTransferProhibited', 'clientUpdateProhibited'],
      dnssec: 'unsigned',
    });
  });

  it('reads a registrar answer, converting offsets to UTC and skipping redacted contacts', () => {
    const record = parseWhoisText(sample('com-registrar.txt'));

    assert.equal(record.registrant_organization, 'Example Holdings Corporation');
    assert.equal(record.registrant_country, 'US');
    assert.equal(record.created, '1997-09-15T04:00:00Z');
    assert.equal(record.updated, '2023-08-14T07:01:31Z');
    assert.equal(record.expires, '2028-09-14T04:00:00Z');
    assert.deepEqual(record.statuses, ['clientUpdateProhibited', 'clientTransferProhibited', 'clientDeleteProhibited']);
  });

  it('reads a .org answer (PIR style) with a signed delegation', () => {
    const record = parseWhoisText(sample('org-registry.txt'));

    assert.equal(record.registrar, 'Registrar Two Ltd.');
    assert.equal(record.registrant_organization, 'Example Foundation');
    assert.equal(record.dnssec, 'signed');
    assert.deepEqual(record.name_servers, ['ns-a.example-foundation.org', 'ns-b.example-foundation.org', 'ns-c.example-cloud.net']);
  });

  it('reads a .uk answer (Nominet sections), dropping the registrar tag and name server addresses', () => {
    assert.deepEqual(parseWhoisText(sample('uk-registry.txt')), {
      ...EMPTY,
      domain: 'example-widgets.co.uk',
      registrar: 'Example Names Ltd t/a Example Names',
      registrant_organization: 'Example Widgets Limited',
      created: '2001-06-04T00:00:00Z',
      updated: '2024-05-06T00:00:00Z',
      expires: '2026-06-04T00:00:00Z',
      name_servers: ['ns1.example-dns.co.uk', 'ns2.example-dns.co.uk'],
      statuses: ['Registered until expiry date'],
    });
  });

  it('reads a .de answer (DENIC), where published keys mean a signed delegation', () => {
    const record = parseWhoisText(sample('de-registry.txt'));

    assert.deepEqual(record.name_servers, ['ns1.example-dns.de', 'ns2.example-dns.de']);
    assert.equal(record.updated, '2023-11-20T14:03:12Z');
    assert.deepEqual(record.statuses, ['connect']);
    assert.equal(record.dnssec, 'signed');
  });

  it('reads a .jp answer (JPRS, "[Key]  value" without colons), converting JST to UTC', () => {
    assert.deepEqual(parseWhoisText(sample('jp-registry.txt')), {
      ...EMPTY,
      domain: 'example.jp',
      registrant_organization: 'Example Shoji K.K.',
      created: '2001-02-03T00:00:00Z',
      updated: '2025-02-28T16:05:03Z',
      expires: '2026-02-28T00:00:00Z',
      name_servers: ['ns1.example.jp', 'ns2.example-dns.jp'],
      statuses: ['Active'],
    });
  });

  it('reads a .co.jp answer (JPRS, lettered keys), taking the end of the paid period from its state', () => {
    assert.deepEqual(parseWhoisText(sample('co-jp-registry.txt')), {
      ...EMPTY,
      domain: 'example.co.jp',
      registrant_organization: 'Example Kogyo Co., Ltd.',
      created: '2001-04-05T00:00:00Z',
      updated: '2025-03-31T16:05:03Z',
      expires: '2026-03-31T00:00:00Z',
      name_servers: ['ns1.example.co.jp', 'ns2.example.co.jp'],
      statuses: ['Connected'],
      dnssec: 'signed',
    });
  });

  it('reads a .kr answer (KISA) from its English half, with the agency as registrar', () => {
    assert.deepEqual(parseWhoisText(sample('kr-registry.txt')), {
      ...EMPTY,
      domain: 'example.kr',
      registrar: 'Example Agency Co., Ltd.',
      registrant_organization: 'Example Corporation',
      created: '2007-03-12T00:00:00Z',
      updated: '2023-05-10T00:00:00Z',
      expires: '2026-03-12T00:00:00Z',
      name_servers: ['ns1.example.kr', 'ns2.example.kr'],
      dnssec: 'unsigned',
    });
  });

  it('takes no key from the JPRS banner or from bracketed free text', () => {
    const banner = sample('jp-not-found.txt');

    assert.deepEqual(parseWhoisText(banner), EMPTY);
    assert.deepEqual(parseWhoisText('[ see [Domain Name] below ]\n[Domain Name]\n'), EMPTY);
  });

  it('recognises "not registered" answers in each registry style, and only those', () => {
    for (const name of ['com-not-found.txt', 'uk-not-found.txt', 'de-not-found.txt', 'jp-not-found.txt']) assert.equal(isNoMatch(sample(name)), true, name);
    assert.equal(isNoMatch('%% NOT FOUND\n'), true);
    for (const name of ['com-registry.txt', 'com-registrar.txt', 'org-registry.txt', 'uk-registry.txt', 'de-registry.txt', 'jp-registry.txt', 'co-jp-registry.txt', 'kr-registry.txt']) {
      assert.equal(isNoMatch(sample(name)), false, name);
    }
  });

  it('yields an empty record from binary noise', () => {
    const noise = Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x00, 0x0d]).toString('utf8');

    assert.deepEqual(parseWhoisText(noise), EMPTY);
    assert.equal(isNoMatch(noise), false);
  });

  it('follows IANA to the registry and the registry to the registrar', () => {
    assert.deepEqual(findReferral(sample('iana-com.txt'), 'root'), { host: 'whois.verisign-grs.com', port: undefined });
    assert.equal(isIanaAnswer(sample('iana-com.txt')), true);
    assert.deepEqual(findReferral(sample('com-registry.txt'), 'registry'), { host: 'whois.registrar-one.example', port: undefined });
    assert.equal(findReferral(sample('com-registry.txt'), 'root'), null);
  });

  it('takes a referral written as a URL or with a port, and ignores web pages and free text', () => {
    assert.deepEqual(findReferral(sample('org-registry.txt'), 'registry'), { host: 'whois.registrar-two.example', port: undefined });
    assert.deepEqual(findReferral('ReferralServer: rwhois://rwhois.example.net:4321\n', 'registry'), { host: 'rwhois.example.net', port: 4321 });
    assert.equal(findReferral('Registrar WHOIS Server: https://www.registrar.example/whois\n', 'registry'), null);
    assert.equal(findReferral('Registrar WHOIS Server: see our web site\n', 'registry'), null);
    assert.equal(findReferral('Registrar WHOIS Server:\n', 'registry'), null);
  });
});

describe('date normalization', () => {
  for (const [input, expected] of [
    ['2001-02-03T04:05:06Z', '2001-02-03T04:05:06Z'],
    ['2001-02-03T04:05:06.0Z', '2001-02-03T04:05:06Z'],
    ['2001-02-03T04:05:06.123Z', '2001-02-03T04:05:06.123Z'],
    ['1997-09-14T21:00:00-0700', '1997-09-15T04:00:00Z'],
    ['2023-11-20T15:03:12+01:00', '2023-11-20T14:03:12Z'],
    ['2001-02-03 04:05:06 UTC', '2001-02-03T04:05:06Z'],
    ['2001-02-03', '2001-02-03T00:00:00Z'],
    ['04-Jun-2001', '2001-06-04T00:00:00Z'],
    ['2001/06/04', '2001-06-04T00:00:00Z'],
    ['2019. 03. 12.', '2019-03-12T00:00:00Z'],
    ['2025/03/01 01:05:03 (JST)', '2025-02-28T16:05:03Z'],
    ['2025/03/01 10:05:03 JST', '2025-03-01T01:05:03Z'],
  ] as const) {
    it(`reads "${input}"`, () => assert.equal(normalizeDate(input), expected));
  }

  it('refuses what is not a date, or not a real one', () => {
    for (const input of ['', 'never', '2001-02-31', '2001-13-01', '31-Foo-2001']) assert.equal(normalizeDate(input), null, input);
  });
});

describe('RDAP parsing and bootstrap', () => {
  it('maps a domain object onto the record, statuses in EPP form', () => {
    const record = parseRdapDomain(
      rdapDomain({
        name: 'example.org',
        registrar: { name: 'Registrar Two Ltd.', ianaId: '8888' },
        registrantOrganization: 'Example Foundation',
        registrantCountry: 'gb',
        created: '2002-03-21T19:44:52Z',
        updated: '2024-01-10T16:21:07Z',
        expires: '2029-03-21T19:44:52Z',
        nameServers: ['NS-B.EXAMPLE.ORG', 'ns-a.example.org'],
        status: ['client transfer prohibited', 'active'],
        delegationSigned: true,
      }),
    );

    assert.deepEqual(record, {
      domain: 'example.org',
      registrar: 'Registrar Two Ltd.',
      registrar_iana_id: '8888',
      registrant_organization: 'Example Foundation',
      registrant_country: 'GB',
      created: '2002-03-21T19:44:52Z',
      updated: '2024-01-10T16:21:07Z',
      expires: '2029-03-21T19:44:52Z',
      name_servers: ['ns-a.example.org', 'ns-b.example.org'],
      statuses: ['clientTransferProhibited', 'ok'],
      dnssec: 'signed',
    });
  });

  it('survives an object that is not a domain', () => {
    assert.deepEqual(parseRdapDomain(null), EMPTY);
    assert.deepEqual(parseRdapDomain({ entities: 'nope', events: [{}] }).name_servers, []);
  });

  it('finds the registry RDAP server in the committed IANA bootstrap, or none', () => {
    assert.match(RDAP_BOOTSTRAP_PUBLICATION, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(rdapBaseUrl('example.com'), 'https://rdap.verisign.com/com/v1/');
    assert.equal(rdapBaseUrl('www.example.org'), 'https://rdap.publicinterestregistry.org/rdap/');
    assert.equal(rdapBaseUrl('example.test'), null);
    assert.equal(rdapBaseUrl('example.com', 'http://127.0.0.1:9/base'), 'http://127.0.0.1:9/base/');
    assert.equal(rdapBaseUrl('example.test', 'http://127.0.0.1:9/'), null);
  });
});

describe('the WHOIS server table', () => {
  it('names the registry server of listed TLDs and asks each server in its own dialect', () => {
    assert.match(WHOIS_TABLE_RETRIEVED, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(registryServerFor('example.com'), 'whois.verisign-grs.com');
    assert.equal(registryServerFor('example.co.uk'), 'whois.nic.uk');
    assert.equal(registryServerFor('example.test'), undefined);
    assert.equal(registryServerFor('example.constructor'), undefined);
    assert.equal(queryFor('whois.verisign-grs.com', 'example.com'), 'domain example.com');
    assert.equal(queryFor('whois.denic.de', 'example.de'), '-T dn,ace example.de');
    assert.equal(queryFor('whois.nic.uk', 'example.co.uk'), 'example.co.uk');
  });

  it('merges sources field by field, registry first, and keeps one source of name servers', () => {
    const merged = mergeRecords([
      { ...EMPTY, registrar: 'A', name_servers: ['ns1.a.example'], statuses: ['ok'] },
      { ...EMPTY, registrar: 'B', registrant_organization: 'Org', name_servers: ['ns9.b.example'], statuses: ['OK', 'clientHold'] },
    ]);

    assert.deepEqual(merged, { ...EMPTY, registrar: 'A', registrant_organization: 'Org', name_servers: ['ns1.a.example'], statuses: ['ok', 'clientHold'] });
  });
});
