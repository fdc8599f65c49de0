import assert from 'node:assert/strict';
import { refusalReason } from './address-policy';

describe('the address policy', () => {
  for (const [address, reason] of [
    ['127.0.0.1', /loopback/],
    ['10.0.0.8', /private/],
    ['172.16.4.4', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /metadata/],
    ['100.100.100.200', /metadata/],
    ['fd00:ec2::254', /metadata/],
    ['100.64.0.1', /carrierGradeNat/],
    ['224.0.0.251', /multicast/],
    ['0.0.0.0', /unspecified/],
    ['192.0.2.10', /reserved/],
    ['::1', /loopback/],
    ['fe80::1', /linkLocal/],
    ['fc00::1', /uniqueLocal/],
    ['::ffff:10.0.0.1', /private/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:169.254.169.254', /metadata/],
    ['::a00:1', /IPv4-compatible/],
    ['::10.0.0.1', /IPv4-compatible/],
    ['::a9fe:a9fe', /IPv4-compatible/],
    ['::169.254.169.254', /IPv4-compatible/],
    ['::7f00:1', /IPv4-compatible/],
    ['::808:808', /IPv4-compatible/],
    ['::', /unspecified/],
    ['4000::1', /outside IPv6 global unicast/],
    ['1:2:3:4:5:6:7:8', /outside IPv6 global unicast/],
    ['e000::1', /outside IPv6 global unicast/],
    ['fec0::1', /deprecatedSiteLocal/],
    ['100::1', /discard/],
    ['64:ff9b::a00:1', /rfc6052/],
    ['2002:a00:1::1', /6to4/],
    ['2001::1', /teredo/],
    ['2001:db8::1', /reserved/],
    ['ff02::1', /multicast/],
  ] as const) {
    it(`refuses ${address}`, () => {
      assert.match(refusalReason(address, []) ?? 'allowed', reason);
    });
  }

  it('lets public unicast addresses through', () => {
    assert.equal(refusalReason('8.8.8.8', []), null);
    assert.equal(refusalReason('2606:4700:4700::1111', []), null);
    assert.equal(refusalReason('2001:4860:4860::8888', []), null);
    assert.equal(refusalReason('2a00:1450:4001:80b::200e', []), null);
    assert.equal(refusalReason('::ffff:8.8.8.8', []), null);
  });

  it('lets an explicitly allowed CIDR through, and only that', () => {
    assert.equal(refusalReason('127.0.0.1', ['127.0.0.1/32']), null);
    assert.match(refusalReason('127.0.0.2', ['127.0.0.1/32']) ?? '', /loopback/);
    assert.match(refusalReason('10.0.0.1', ['127.0.0.1/32']) ?? '', /private/);
  });

  it('lets an allowed IPv6 CIDR through outside global unicast, and an IPv4 one reach IPv4-mapped addresses only', () => {
    assert.equal(refusalReason('fd12::7', ['fd12::/16']), null);
    assert.equal(refusalReason('4000::1', ['4000::/16']), null);
    assert.equal(refusalReason('::1', ['::1/128']), null);
    assert.equal(refusalReason('::ffff:127.0.0.1', ['127.0.0.1/32']), null);
    assert.match(refusalReason('::7f00:1', ['127.0.0.1/32']) ?? '', /IPv4-compatible/);
    assert.match(refusalReason('4000::2', ['fd12::/16']) ?? '', /outside IPv6 global unicast/);
  });

  it('refuses what is not an address', () => {
    assert.match(refusalReason('example.com', []) ?? '', /not an IP/);
  });
});
