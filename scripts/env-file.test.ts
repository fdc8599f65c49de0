import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localEnvironment, parseEnvFile } from './env-file';

describe('local env file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osint-env-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses KEY=VALUE lines, skipping comments and unquoting values', () => {
    assert.deepEqual(parseEnvFile('# c\nA=1\n\nB = "two words"\nnot a line\n'), { A: '1', B: 'two words' });
  });

  it('generates a SECRET_KEY into the file when none is set, and reuses it afterwards', () => {
    const file = path.join(dir, '.env.local');
    const first = localEnvironment({}, file);
    assert.equal(first.generated, true);
    assert.ok((first.env.SECRET_KEY ?? '').length >= 32);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const second = localEnvironment({}, file);
    assert.equal(second.generated, false);
    assert.equal(second.env.SECRET_KEY, first.env.SECRET_KEY);
  });

  it('lets the real environment win over the file', () => {
    const file = path.join(dir, '.env.local');
    fs.writeFileSync(file, 'SECRET_KEY=from-file\nAPI_PORT=1\n');
    const { env } = localEnvironment({ API_PORT: '2' }, file);
    assert.equal(env.API_PORT, '2');
    assert.equal(env.SECRET_KEY, 'from-file');
  });
});
