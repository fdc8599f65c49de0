import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../../core/hashing';
import { createLogger } from '../../../core/logger';
import type { Evidence } from '../../../db/models/Evidence';
import { startTestApi, type TestApi } from '../../helpers/api';
import { callAs, createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';
import { insertEvidence, insertJob, insertTarget } from '../../helpers/factories';

type ErrorBody = { error: { code: string; message: string; details: { fields?: { field: string; message: string }[] } | null } };
type EvidenceBody = {
  id: string;
  job_id: string;
  run_number: number;
  attempt: number;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content_path: string;
  created_at: string;
};
type Page<T> = { items: T[]; next_cursor: string | null };

const fieldsOf = (body: unknown) => ((body as ErrorBody).error.details?.fields ?? []).map((field) => field.field).sort();
const EVIDENCE_KEYS = ['attempt', 'content_path', 'content_type', 'created_at', 'id', 'job_id', 'run_number', 'sha256', 'size_bytes'];
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
/** Every byte value, so no encoding can pass unnoticed. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, index) => index));

/** Reads a response body to its end, or to the point where the transfer broke. */
async function readAll(response: Response): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  const reader = response.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(chunks), complete: true };
      chunks.push(Buffer.from(value));
    }
  } catch {
    return { bytes: Buffer.concat(chunks), complete: false };
  }
}

describe('evidence', function () {
  this.timeout(30000);
  const clients = useTestClients();
  let api: TestApi;
  let cast: WorkspaceCast;
  let outsider: WorkspaceCast;
  let job: string;
  let otherJob: string;
  let outsiderJob: string;
  let secret: Evidence;
  const base = (workspaceId = cast.workspaceId) => `/workspaces/${workspaceId}`;
  const knex = () => clients().knex;
  const download = (token: string, evidenceId: string, url = api.url) =>
    fetch(`${url}${base()}/evidence/${evidenceId}/content`, { headers: { Authorization: `Bearer ${token}` } });
  const backdate = (evidence: Evidence, minutes: number) =>
    knex()('evidence').where({ id: evidence.id }).update({ created_at: new Date(Date.now() - minutes * 60000) }).returning('created_at');
  const overwriteObject = (evidence: Evidence, body: Buffer) =>
    clients().s3.putObject(clients().config.storage.bucket, evidence.object_key, body, body.length);

  before(async () => {
    api = await startTestApi(clients());
  });
  beforeEach(async () => {
    [cast, outsider] = await Promise.all([createWorkspaceCast(api.url, 'case'), createWorkspaceCast(api.url, 'other')]);
    const target = await insertTarget(knex(), cast.workspaceId);
    job = (await insertJob(knex(), cast.workspaceId, target.id)).id;
    otherJob = (await insertJob(knex(), cast.workspaceId, target.id)).id;
    const outsiderTarget = await insertTarget(knex(), outsider.workspaceId);
    outsiderJob = (await insertJob(knex(), outsider.workspaceId, outsiderTarget.id)).id;
    secret = await insertEvidence(clients(), outsider.workspaceId, outsiderJob, { body: Buffer.from('{"secret":"secret-case"}') });
  });
  after(async () => api.close());

  describe('GET /workspaces/{workspace_id}/evidence', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', `${base()}/evidence`);
      assert.equal(response.status, 401);
    });

    it('answers 422 naming query.limit and query.cursor when they are malformed', async () => {
      const response = await cast.viewer.call('GET', `${base()}/evidence?limit=abc&cursor=${'x'.repeat(600)}`);
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['query.cursor', 'query.limit']);
    });

    it('answers 404 to a non-member, with nothing of the workspace in the body', async () => {
      const mine = await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from('{"a":1}') });
      const response = await outsider.admin.call('GET', `${base()}/evidence`);
      assert.equal(response.status, 404);
      assert.ok(!JSON.stringify(response.body).includes(mine.id));
    });

    it('answers a VIEWER with metadata, newest first, size as a number and nothing of the storage', async () => {
      const first = await insertEvidence(clients(), cast.workspaceId, job, { body: ALL_BYTES, contentType: 'application/octet-stream' });
      const [{ created_at: firstCreated }] = await backdate(first, 5);
      const second = await insertEvidence(clients(), cast.workspaceId, otherJob, { body: Buffer.from('whois text'), contentType: 'text/plain', attempt: 2 });
      const response = await cast.viewer.call<Page<EvidenceBody>>('GET', `${base()}/evidence`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body.items.map((item) => item.id), [second.id, first.id]);
      for (const item of response.body.items) assert.deepEqual(Object.keys(item).sort(), EVIDENCE_KEYS);
      assert.deepEqual(response.body.items[1], {
        id: first.id,
        job_id: job,
        run_number: 1,
        attempt: 1,
        content_type: 'application/octet-stream',
        size_bytes: 256,
        sha256: sha256Hex(ALL_BYTES),
        content_path: `/workspaces/${cast.workspaceId}/evidence/${first.id}/content`,
        created_at: (firstCreated as Date).toISOString(),
      });
      const text = JSON.stringify(response.body);
      const { accessKey, secretKey, bucket } = clients().config.storage;
      for (const hidden of [first.object_key, accessKey, secretKey, bucket]) assert.ok(!text.includes(hidden), hidden);
      assert.ok(!text.includes(secret.id));
    });

    it('pages with limit and cursor', async () => {
      for (let index = 0; index < 5; index += 1) await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from(`item ${index}`) });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: Page<EvidenceBody> } = await cast.viewer.call<Page<EvidenceBody>>('GET', `${base()}/evidence?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.body.items.map((item) => item.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.equal(new Set(seen).size, 5);
    });
  });

  describe('GET /workspaces/{workspace_id}/evidence/{evidence_id}', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', `${base()}/evidence/${MISSING_ID}`);
      assert.equal(response.status, 401);
    });

    it('answers 404 to an id that is not a UUID or names no evidence', async () => {
      for (const id of ['not-a-uuid', MISSING_ID]) {
        const response = await cast.viewer.call<ErrorBody>('GET', `${base()}/evidence/${id}`);
        assert.equal(response.status, 404);
        assert.equal(response.body.error.code, 'not_found');
      }
    });

    it("answers 404 for another workspace's evidence, whichever workspace the path names", async () => {
      for (const workspaceId of [cast.workspaceId, outsider.workspaceId]) {
        const response = await cast.admin.call('GET', `${base(workspaceId)}/evidence/${secret.id}`);
        assert.equal(response.status, 404);
        assert.ok(!JSON.stringify(response.body).includes(secret.sha256));
      }
    });

    it('answers a VIEWER with the metadata', async () => {
      const evidence = await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from('{"a":1}'), runNumber: 2, attempt: 3 });
      const response = await cast.viewer.call<EvidenceBody>('GET', `${base()}/evidence/${evidence.id}`);
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(response.body).sort(), EVIDENCE_KEYS);
      assert.equal(response.body.run_number, 2);
      assert.equal(response.body.attempt, 3);
      assert.equal(response.body.size_bytes, 7);
    });
  });

  describe('GET /workspaces/{workspace_id}/evidence/{evidence_id}/content', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', `${base()}/evidence/${MISSING_ID}/content`);
      assert.equal(response.status, 401);
    });

    it("answers 404 for another workspace's evidence, and sends none of its bytes", async () => {
      const response = await cast.admin.call('GET', `${base()}/evidence/${secret.id}/content`);
      assert.equal(response.status, 404);
      assert.ok(!JSON.stringify(response.body).includes('secret-case'));
      const nonMember = await cast.admin.call('GET', `${base(outsider.workspaceId)}/evidence/${secret.id}/content`);
      assert.equal(nonMember.status, 404);
    });

    it('answers 403 to an ANALYST and a VIEWER', async () => {
      const evidence = await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from('secret bytes') });
      for (const actor of [cast.analyst, cast.viewer]) {
        const response = await actor.call<ErrorBody>('GET', `${base()}/evidence/${evidence.id}/content`);
        assert.equal(response.status, 403);
        assert.equal(response.body.error.code, 'forbidden');
        assert.ok(!JSON.stringify(response.body).includes('secret bytes'));
      }
    });

    it('streams the bytes byte for byte to an ADMIN, with the recorded type, length and digest', async () => {
      for (const [body, contentType] of [
        [ALL_BYTES, 'application/octet-stream'],
        [randomBytes(3 * 1024 * 1024 + 17), 'application/x-pcap'],
        [Buffer.from('<html><script>alert(1)</script></html>'), 'text/html'],
        [Buffer.alloc(0), 'text/plain'],
      ] as [Buffer, string][]) {
        const evidence = await insertEvidence(clients(), cast.workspaceId, job, { body, contentType });
        const response = await download(cast.admin.token, evidence.id);
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-type'), contentType);
        assert.equal(response.headers.get('content-length'), String(body.length));
        assert.equal(response.headers.get('x-content-sha256'), sha256Hex(body));
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.match(response.headers.get('content-disposition')!, /^attachment/);
        const received = await readAll(response);
        assert.ok(received.complete);
        assert.ok(received.bytes.equals(body), `${contentType}: ${received.bytes.length} bytes`);
      }
    });

    it('cuts the transfer short and logs an error when the stored object was tampered with', async () => {
      const lines: string[] = [];
      const logger = createLogger({ name: 'api', level: 'info', destination: { write: (line: string) => void lines.push(line) } });
      const server = await startTestApi(clients(), { logger });
      try {
        const large = randomBytes(2 * 1024 * 1024);
        const cases: [Buffer, Buffer][] = [
          [Buffer.from('{"records":["93.184.216.34"]}'), Buffer.from('{"records":["6.6.6.6"]}     ')],
          [large, Buffer.concat([large.subarray(0, 1024 * 1024), Buffer.from([large[1024 * 1024]! ^ 1]), large.subarray(1024 * 1024 + 1)])],
          [ALL_BYTES, Buffer.concat([ALL_BYTES, Buffer.from('appended')])],
          [Buffer.concat([ALL_BYTES, Buffer.from('!')]), ALL_BYTES.subarray(0, 200)],
        ];
        for (const [original, tampered] of cases) {
          const evidence = await insertEvidence(clients(), cast.workspaceId, job, { body: original });
          await overwriteObject(evidence, tampered);
          const outcome = await download(cast.admin.token, evidence.id, server.url).then(readAll, () => ({ bytes: Buffer.alloc(0), complete: false }));
          assert.equal(outcome.complete, false, `a ${original.length}-byte object`);
          assert.ok(outcome.bytes.length < original.length);
          const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.evidence_id === evidence.id && line.level === 'error');
          assert.equal(logged.length, 1, `a ${original.length}-byte object was logged`);
          assert.equal(logged[0]!.expected_sha256, sha256Hex(original));
          assert.match(String(logged[0]!.msg), /does not match/);
        }
      } finally {
        await server.close();
      }
    });

    it('answers 404 naming the content, and audits no download, when storage no longer holds the object', async () => {
      const evidence = await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from('{"gone":true}') });
      await clients().s3.removeObject(clients().config.storage.bucket, evidence.object_key);
      const response = await download(cast.admin.token, evidence.id);
      assert.equal(response.status, 404);
      assert.deepEqual(await response.json(), { error: { code: 'not_found', message: 'Evidence content not found', details: null } });
      assert.equal((await knex()('audit_logs').where({ workspace_id: cast.workspaceId, action: 'evidence.content_read' })).length, 0);
    });

    it('records each download in the audit log', async () => {
      const evidence = await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from('{"a":1}') });
      await readAll(await download(cast.admin.token, evidence.id));
      const rows = await knex()('audit_logs').where({ workspace_id: cast.workspaceId, action: 'evidence.content_read' });
      assert.equal(rows.length, 1);
      assert.equal(rows[0].actor_id, cast.admin.id);
      assert.equal(rows[0].entity_id, evidence.id);
      assert.deepEqual(rows[0].details, { job_id: job, sha256: evidence.sha256 });
    });
  });

  describe('GET /workspaces/{workspace_id}/evidence/job/{job_id}/files', () => {
    it('answers 401 without a token', async () => {
      const response = await callAs(api.url, undefined, 'GET', `${base()}/evidence/job/${job}/files`);
      assert.equal(response.status, 401);
    });

    it('answers 422 naming query.limit when it is out of range', async () => {
      const response = await cast.viewer.call('GET', `${base()}/evidence/job/${job}/files?limit=0`);
      assert.equal(response.status, 422);
      assert.deepEqual(fieldsOf(response.body), ['query.limit']);
    });

    it('answers 404 for a job of another workspace, or a job that does not exist', async () => {
      for (const path of [`${base()}/evidence/job/${outsiderJob}/files`, `${base(outsider.workspaceId)}/evidence/job/${outsiderJob}/files`, `${base()}/evidence/job/${MISSING_ID}/files`]) {
        const response = await cast.admin.call('GET', path);
        assert.equal(response.status, 404, path);
        assert.ok(!JSON.stringify(response.body).includes(secret.id));
      }
    });

    it("lists only that job's evidence, newest first", async () => {
      const first = await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from('one') });
      await backdate(first, 5);
      const second = await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from('two'), attempt: 2 });
      await insertEvidence(clients(), cast.workspaceId, otherJob, { body: Buffer.from('three') });
      const response = await cast.viewer.call<Page<EvidenceBody>>('GET', `${base()}/evidence/job/${job}/files`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body.items.map((item) => item.id), [second.id, first.id]);
      for (const item of response.body.items) assert.deepEqual(Object.keys(item).sort(), EVIDENCE_KEYS);
    });

    it('answers an empty page for a job of the workspace that stored nothing', async () => {
      const response = await cast.viewer.call<Page<EvidenceBody>>('GET', `${base()}/evidence/job/${otherJob}/files`);
      assert.deepEqual(response.body, { items: [], next_cursor: null });
    });

    it('keeps one row when a retried attempt stores the same bytes again', async () => {
      const first = await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from('same'), attempt: 1 });
      const again = await insertEvidence(clients(), cast.workspaceId, job, { body: Buffer.from('same'), attempt: 2 });
      assert.equal(again.id, first.id);
      const response = await cast.viewer.call<Page<EvidenceBody>>('GET', `${base()}/evidence/job/${job}/files`);
      assert.deepEqual(response.body.items.map((item) => [item.id, item.attempt]), [[first.id, 1]]);
    });
  });
});
