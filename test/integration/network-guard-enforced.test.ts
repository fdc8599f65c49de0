import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

describe('the loopback-only rule of the test suite', function () {
  this.timeout(120000);

  it('fails a test that tries a non-loopback address, even when the test swallows the error', () => {
    const run = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/mocha/bin/mocha.js'),
        '--no-config',
        '--require', 'tsx/cjs',
        '--require', path.join(ROOT, 'test/setup/root-hooks.ts'),
        '--reporter', 'spec',
        path.join(ROOT, 'test/guard-fixtures/reaches-outside.fixture.ts'),
      ],
      { cwd: ROOT, encoding: 'utf8', env: process.env },
    );
    const output = `${run.stdout}${run.stderr}`;
    assert.notEqual(run.status, 0, output);
    assert.match(output, /reached for the network outside loopback/);
    assert.match(output, /192\.0\.2\.1/);
    assert.match(output, /1\) a suite with one test that reaches off the machine\s+tries a documentation-range address/);
    assert.match(output, /✔ talks to loopback only/);
    assert.match(output, /1 failing/);
  });
});
