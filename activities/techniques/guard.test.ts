import assert from 'node:assert/strict';
import { refusalReason } from './guard';

describe('the scanning guard', () => {
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
  ] as const) {
    it(`refuses ${address}`, () => {
      assert.match(refusalReason(address, []) ?? 'allowed', reason);
    });
  }

  it('lets public unicast addresses through', () => {
    assert.equal(refusalReason('8.8.8.8', []), null);
    assert.equal(refusalReason('2606:4700:4700::1111', []), null);
  });

  it('lets an explicitly allowed CIDR through, and only that', () => {
    assert.equal(refusalReason('127.0.0.1', ['127.0.0.1/32']), null);
    assert.match(refusalReason('127.0.0.2', ['127.0.0.1/32']) ?? '', /loopback/);
    assert.match(refusalReason('10.0.0.1', ['127.0.0.1/32']) ?? '', /private/);
  });

  it('refuses what is not an address', () => {
    assert.match(refusalReason('example.com', []) ?? '', /not an IP/);
  });
});
