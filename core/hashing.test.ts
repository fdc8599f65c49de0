import assert from 'node:assert/strict';
import { canonicalJson, findingFingerprint, idempotencyKey, sha256Hex } from './hashing';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text for objects that differ only in key order', () => {
    assert.equal(canonicalJson({ x: 1, y: { b: 2, a: 1 } }), canonicalJson({ y: { a: 1, b: 2 }, x: 1 }));
  });

  it('keeps array order, which is meaningful', () => {
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  });
});

describe('idempotencyKey', () => {
  const base = { workspaceId: 'w', targetId: 't', technique: 'dns_lookup', params: { b: 2, a: 1 } };

  it('follows the formula sha256(workspace + target + technique + canonical params + "v1")', () => {
    assert.equal(idempotencyKey(base), sha256Hex('wtdns_lookup{"a":1,"b":2}v1'));
  });

  it('differs for a scheduled firing, and between two firings of one schedule', () => {
    const first = idempotencyKey({ ...base, schedule: { id: 's', nominalTime: '2026-01-01T00:00:00Z' } });
    const second = idempotencyKey({ ...base, schedule: { id: 's', nominalTime: '2026-01-01T01:00:00Z' } });
    assert.notEqual(first, idempotencyKey(base));
    assert.notEqual(first, second);
  });

  it("keys a firing by its schedule and nominal time alone, whatever the schedule's technique and params", () => {
    const firing = { id: 's', nominalTime: '2026-01-01T00:00:00Z' };
    assert.equal(
      idempotencyKey({ ...base, schedule: firing }),
      idempotencyKey({ ...base, technique: 'port_scan', params: { ports: [22] }, schedule: firing }),
    );
    assert.notEqual(idempotencyKey({ ...base, schedule: firing }), idempotencyKey({ ...base, workspaceId: 'other', schedule: firing }));
  });
});

describe('findingFingerprint', () => {
  it('follows the formula sha256(workspace + type + subject + canonical stable data)', () => {
    const fingerprint = findingFingerprint({
      workspaceId: 'w',
      findingType: 'dns_record',
      subject: 'example.test',
      stableData: { value: '192.0.2.1', type: 'A' },
    });
    assert.equal(fingerprint, sha256Hex('wdns_recordexample.test{"type":"A","value":"192.0.2.1"}'));
  });
});
