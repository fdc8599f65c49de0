import assert from 'node:assert/strict';
import { toKoaPath } from '../../../api/route';
import { startTestApi, type TestApi } from '../../helpers/api';
import { callAs } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

type Operation = { responses: Record<string, unknown>; parameters: { name: string; in: string }[]; security?: unknown };

describe('API documentation', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  before(async () => {
    api = await startTestApi(clients());
  });
  after(async () => api.close());

  it('documents in /openapi.json every route the router serves, with its errors', async () => {
    const response = await callAs<{ openapi: string; paths: Record<string, Record<string, Operation>> }>(api.url, undefined, 'GET', '/openapi.json');
    assert.equal(response.status, 200);
    assert.equal(response.body.openapi, '3.1.0');
    const documented = new Set<string>();
    for (const [path, operations] of Object.entries(response.body.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        documented.add(`${method.toUpperCase()} ${toKoaPath(path)}`);
        const statuses = Object.keys(operation.responses);
        assert.ok(statuses.some((status) => status.startsWith('2')), `${method} ${path} documents a success`);
        if (operation.security) assert.ok(statuses.includes('401'), `${method} ${path} documents 401`);
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          assert.ok(operation.parameters.some((parameter) => parameter.in === 'path' && `{${parameter.name}}` === name), `${path} documents ${name}`);
        }
      }
    }
    const served = api.built.router.stack.flatMap((layer) =>
      layer.methods.filter((method) => method !== 'HEAD').map((method) => `${method} ${layer.path}`),
    );
    assert.ok(served.length >= 10);
    assert.deepEqual(served.filter((route) => !documented.has(route)), []);
  });

  it('serves an interactive UI at /docs from local files only', async () => {
    const page = await fetch(`${api.url}/docs`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\//, 'no external URL in the page');
    for (const asset of html.match(/(?:src|href)="([^"]+)"/g) ?? []) {
      const path = /"([^"]+)"/.exec(asset)![1]!;
      const response = await fetch(`${api.url}${path}`);
      assert.equal(response.status, 200, path);
      await response.arrayBuffer();
    }
  });

  it('answers 404 for a file of the UI package that is not served', async () => {
    assert.equal((await fetch(`${api.url}/docs/package.json`)).status, 404);
    assert.equal((await fetch(`${api.url}/docs/..%2F..%2Fpackage.json`)).status, 404);
  });
});
