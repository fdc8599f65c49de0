import assert from 'node:assert/strict';
import { appliesTo, countScanPorts } from './techniques';

describe('countScanPorts', () => {
  it('counts single ports and inclusive ranges, overlaps once', () => {
    assert.deepEqual(countScanPorts([22, 80, '79-81', '8000-8009', 8005]), { count: 14 });
  });

  it('counts the whole range quickly even when it is repeated many times', () => {
    const started = Date.now();
    assert.deepEqual(countScanPorts(Array.from({ length: 1000 }, () => '1-65535')), { count: 65535 });
    assert.ok(Date.now() - started < 200);
  });

  it('names a range that runs backwards or past 65535', () => {
    assert.deepEqual(countScanPorts(['90-80']), { problem: 'invalid port range "90-80"' });
    assert.deepEqual(countScanPorts(['1-70000']), { problem: 'invalid port range "1-70000"' });
  });
});

describe('appliesTo', () => {
  it('runs email_verify on emails only and port_scan on domains only', () => {
    assert.equal(appliesTo('email_verify', 'email'), true);
    assert.equal(appliesTo('email_verify', 'domain'), false);
    assert.equal(appliesTo('port_scan', 'domain'), true);
    assert.equal(appliesTo('port_scan', 'email'), false);
    assert.equal(appliesTo('dns_lookup', 'email'), true);
  });
});
