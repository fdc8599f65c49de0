import assert from 'node:assert/strict';
import { SecretBox } from './secret-box';

const KEY = 'a-platform-secret-key-of-enough-length-0123';

describe('SecretBox', () => {
  it('opens what it sealed for the same row, and the sealed text does not contain the secret', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('whsec-very-secret', 'row-1');
    assert.ok(!sealed.includes('whsec'));
    assert.equal(box.open(sealed, 'row-1'), 'whsec-very-secret');
  });

  it('refuses a secret copied onto another row, or sealed under another key', () => {
    const sealed = new SecretBox(KEY).seal('whsec-very-secret', 'row-1');
    assert.throws(() => new SecretBox(KEY).open(sealed, 'row-2'));
    assert.throws(() => new SecretBox(`${KEY}-rotated`).open(sealed, 'row-1'));
  });
});
