import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '..');

async function lintWorkflow(source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, 'workflows/example-workflow.ts') });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

describe('the workflow lint fence', function () {
  this.timeout(60000);

  it('refuses a Node built-in in a workflow file', async () => {
    const messages = await lintWorkflow("import fs from 'node:fs';\nexport const size = fs.statSync('x').size;\n");
    assert.ok(messages.some((message) => message.includes('Node built-ins')), messages.join('\n'));
  });

  it('refuses an I/O client in a workflow file', async () => {
    const messages = await lintWorkflow("import { Client } from 'pg';\nexport const client = new Client();\n");
    assert.ok(messages.some((message) => message.includes('must not do I/O')), messages.join('\n'));
  });

  it('refuses a value import of activities but accepts a type-only one', async () => {
    const value = await lintWorkflow("import { createActivities } from '../activities';\nexport const a = createActivities;\n");
    assert.ok(value.some((message) => message.includes('activity types only')), value.join('\n'));
    const typeOnly = await lintWorkflow("import type { Activities } from '../activities';\nexport type A = Activities;\n");
    assert.deepEqual(typeOnly, []);
  });

  it('accepts the Temporal workflow API and core/domain', async () => {
    const messages = await lintWorkflow(
      "import { sleep } from '@temporalio/workflow';\nimport { SEARCH_ATTRIBUTES } from '../core/domain/temporal';\n" +
        'export async function wait(): Promise<string> {\n  await sleep(1);\n  return SEARCH_ATTRIBUTES.jobStatus;\n}\n',
    );
    assert.deepEqual(messages, []);
  });
});
