import assert from 'node:assert/strict';
import { normalizeDomain, normalizeEmail } from './target-values';

describe('normalizeDomain', () => {
  it('lowercases and drops the trailing dot', () => {
    assert.deepEqual(normalizeDomain('  Example.COM. '), { ok: true, value: 'example.com' });
  });

  it('turns an internationalized name into punycode', () => {
    assert.deepEqual(normalizeDomain('Bücher.example'), { ok: true, value: 'xn--bcher-kva.example' });
  });

  for (const [input, reason] of [
    ['', /empty/],
    ['localhost', /two labels/],
    ['http://example.com', /bare domain/],
    ['example.com/path', /bare domain/],
    ['192.0.2.1', /not an IP/],
    ['-bad.example', /invalid label/],
    ['a..example', /invalid label/],
    [`${'a'.repeat(64)}.example`, /invalid label/],
    ['example.123', /all-numeric/],
    ['exa mple.com', /bare domain/],
  ] as const) {
    it(`refuses ${JSON.stringify(input.slice(0, 20))} with a reason`, () => {
      const result = normalizeDomain(input);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }
});

describe('normalizeEmail', () => {
  it('lowercases the address and normalizes its domain', () => {
    assert.deepEqual(normalizeEmail('Alice.Smith@Bücher.Example.'), { ok: true, value: 'alice.smith@xn--bcher-kva.example' });
  });

  for (const input of ['no-at-sign', '@example.com', 'alice@', 'al ice@example.com', 'a..b@example.com', 'alice@localhost']) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.equal(normalizeEmail(input).ok, false);
    });
  }
});
