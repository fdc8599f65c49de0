import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createWorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';

describe('GET /metrics', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  before(async () => {
    api = await startTestApi(clients());
  });
  after(async () => api.close());

  it('counts requests by route template, never by raw URL', async () => {
    const cast = await createWorkspaceCast(api.url);
    await cast.viewer.call('GET', `/workspaces/${cast.workspaceId}`);
    const response = await fetch(`${api.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /http_requests_total\{method="GET",route="\/workspaces\/:workspace_id",status="200"\} 1/);
    assert.match(text, /http_request_duration_seconds_bucket/);
    assert.match(text, /process_cpu_seconds_total/);
    assert.ok(!text.includes(cast.workspaceId), 'no raw ids in labels');
  });
});
