import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../helpers/api';
import { addTarget, createWorkspaceCast, type WorkspaceCast } from '../../helpers/actors';
import { useTestClients } from '../../helpers/clients';
import { findingInput, insertEvidence, insertFindings, insertJob, insertTarget } from '../../helpers/factories';

type ErrorBody = { error: { code: string; message: string; details: { fields?: { field: string; message: string }[] } | null } };

/** What a hostile request may get: a 4xx naming `field`, or a 200 with nothing in it. */
type Expected = { field: string } | { status: 404 } | 'empty' | 'clean';

const SQL_FRAGMENTS = ["' OR 1=1 --", "'; DROP TABLE findings; --", '" OR ""="', '1) OR (1=1', "' UNION SELECT * FROM users --", '%', '_', '\\', '%%', '\\%', '%_%', "'", '--', '/* */', '$1', '?', '??', ':name', '::jsonb'];
const TSQUERY_SYNTAX = ['a:* & b', '!(x', '<->', '((((', ')', '"unterminated', 'or', '-', '| &', 'x <2> y'];
const REGEX_HEAVY = ['(a+)+$', '^(?!.*x).*$', '[[[[', '.*.*.*.*.*=', '\\d+\\w*\\s?', '(.*a){20}', 'a{1,99999}'];
const CONTROL = ['\u0000', 'a\u0001b', '\u001b[31mred', 'tab\there', 'line\r\nbreak', '\u007f', '\u0085'];
/** Percent-encodings that are not UTF-8; they reach handlers as U+FFFD. */
const INVALID_UTF8 = ['%C3%28', '%FF', '%ED%A0%80', '%C0%AF', '%E2%82', '%F8%88%80%80%80'];
const TEN_KB = 'A'.repeat(10 * 1024);
const BAD_UUIDS = ["' OR 1=1 --", '1', '00000000-0000-0000-0000-00000000000g', '{00000000-0000-4000-8000-000000000000}', 'urn:uuid:00000000-0000-4000-8000-000000000000', '00000000000040008000000000000000', TEN_KB];
const BAD_DATES = ['yesterday', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '0000-00-00T00:00:00Z', '2016-12-31T23:59:60Z', '2024-01-01', '2024-01-01T00:00:00', '1e999', '-100000-01-01T00:00:00Z', '', TEN_KB];
/** Accepted instants at the edges of what JavaScript and PostgreSQL represent. */
const EDGE_DATES = ['0000-01-01T00:00:00+23:59', '9999-12-31T23:59:59-23:59', '2024-01-01T00:00:00.123456789Z', '2024-02-29t00:00:00z'];

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const BAD_CURSORS = [
  '!!!',
  'not base64 at all',
  b64('just a string'),
  b64([]),
  b64(['2024-01-01T00:00:00.000Z']),
  b64(['2024-01-01T00:00:00.000Z', '123']),
  b64(['2024-01-01T00:00:00.000Z', 1e308]),
  b64(['-100000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
  b64(['2024-13-45T99:99:99.000Z', '00000000-0000-4000-8000-000000000000']),
  b64([null, '00000000-0000-4000-8000-000000000000']),
  b64(['2024-01-01T00:00:00.000Z', "' OR 1=1 --"]),
  b64([{ $gt: '' }, '00000000-0000-4000-8000-000000000000']),
  'x'.repeat(600),
];
/** Cursors of the search, whose sort key is [rank, last seen, id]. */
const BAD_SEARCH_CURSORS = [
  ...BAD_CURSORS,
  b64(['NaN', '2024-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
  b64(['1e999', '2024-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
  b64(['1', '2024-01-01T00:00:00.000Z', '1']),
  b64([1, '2024-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
];
/** Cursors of the audit log, ordered by serial id alone. */
const BAD_SERIAL_CURSORS = [b64([null, '00000000-0000-4000-8000-000000000000']), b64([null, '99999999999999999999']), b64([null, -1]), b64([null, 1.5]), b64([null, "1; DROP TABLE audit_logs"])];

const q = (value: string) => encodeURIComponent(value);

describe('hostile inputs on findings, evidence and audit endpoints', function () {
  this.timeout(120000);
  const clients = useTestClients();
  let api: TestApi;
  let cast: WorkspaceCast;

  before(async () => {
    api = await startTestApi(clients());
  });
  beforeEach(async () => {
    cast = await createWorkspaceCast(api.url, 'case');
    const target = await insertTarget(clients().knex, cast.workspaceId, { value: 'example.com' });
    const job = await insertJob(clients().knex, cast.workspaceId, target.id);
    await insertFindings(clients().knex, cast.workspaceId, job.id, [
      findingInput({ subject: 'example.com', data: { address: '93.184.216.34' }, target_id: target.id }),
    ]);
    await insertEvidence(clients(), cast.workspaceId, job.id, { body: Buffer.from('{"a":1}') });
  });
  after(async () => api.close());

  /** Sends each request as the workspace's ADMIN and checks it got what `expected` says, never a 5xx. */
  async function probe(cases: [string, Expected][]): Promise<void> {
    const failures: string[] = [];
    for (const [query, expected] of cases) {
      const response = await fetch(`${api.url}/workspaces/${cast.workspaceId}${query}`, { headers: { Authorization: `Bearer ${cast.admin.token}` } });
      const text = await response.text();
      const problem = judge(response.status, text, expected);
      if (problem) failures.push(`${query.slice(0, 120)} → ${response.status} ${text.slice(0, 200)}: ${problem}`);
    }
    assert.deepEqual(failures, []);
  }

  function judge(status: number, text: string, expected: Expected): string | undefined {
    if (status >= 500) return 'a server error';
    const body = JSON.parse(text) as { items?: unknown[] } & Partial<ErrorBody>;
    if (expected === 'empty' || expected === 'clean') {
      if (status !== 200) return 'expected 200';
      if (expected === 'empty' && body.items?.length !== 0) return 'expected no items';
      return undefined;
    }
    if ('status' in expected) return status === expected.status && body.error?.code === 'not_found' ? undefined : 'expected 404 not_found';
    if (status !== 422 || body.error?.code !== 'validation_failed') return 'expected 422 validation_failed';
    const fields = (body.error.details?.fields ?? []).map((field) => field.field);
    return fields.includes(expected.field) ? undefined : `expected ${expected.field} named, got ${fields}`;
  }

  describe('GET /workspaces/{workspace_id}/findings/search', () => {
    it('answers SQL, LIKE and tsquery syntax and regex-heavy text with an empty result', async () => {
      await probe([...SQL_FRAGMENTS, ...TSQUERY_SYNTAX, ...REGEX_HEAVY, '🙂', '\u202Eevil'].map((value) => [`/findings/search?q=${q(value)}`, 'empty']));
    });

    it('answers 422 naming query.q for 10 kB, control characters, blank, repeated or missing q', async () => {
      await probe([
        [`/findings/search?q=${TEN_KB}`, { field: 'query.q' }],
        [`/findings/search?q=${'%25'.repeat(3000)}`, { field: 'query.q' }],
        ...CONTROL.map((value): [string, Expected] => [`/findings/search?q=${q(value)}`, { field: 'query.q' }]),
        [`/findings/search?q=${q('\u2028 ')}`, { field: 'query.q' }],
        ['/findings/search?q=a&q=b', { field: 'query.q' }],
        ['/findings/search?q[]=a', { field: 'query.q' }],
        ['/findings/search?__proto__=x&q=a', { field: 'query.__proto__' }],
        ['/findings/search?constructor=x&q=a', { field: 'query.constructor' }],
      ]);
    });

    it('answers invalid UTF-8 percent-encodings with an empty result', async () => {
      await probe(INVALID_UTF8.map((raw) => [`/findings/search?q=${raw}`, 'empty']));
    });

    it('answers bad cursors and limits with 422', async () => {
      await probe([
        ...BAD_SEARCH_CURSORS.map((cursor): [string, Expected] => [`/findings/search?q=example&cursor=${q(cursor)}`, { field: 'query.cursor' }]),
        ...['-1', '0', '1e9', 'abc', '1.5', ''].map((limit): [string, Expected] => [`/findings/search?q=example&limit=${limit}`, { field: 'query.limit' }]),
      ]);
    });
  });

  describe('GET /workspaces/{workspace_id}/findings', () => {
    it('answers SQL fragments and invalid UTF-8 in finding_type with an empty result', async () => {
      await probe([
        ...[...SQL_FRAGMENTS, ...REGEX_HEAVY].map((value): [string, Expected] => [`/findings?finding_type=${q(value)}`, 'empty']),
        ...INVALID_UTF8.map((raw): [string, Expected] => [`/findings?finding_type=${raw}`, 'empty']),
      ]);
    });

    it('answers 422 naming the filter for 10 kB and control characters', async () => {
      await probe([
        [`/findings?finding_type=${TEN_KB}`, { field: 'query.finding_type' }],
        ...CONTROL.map((value): [string, Expected] => [`/findings?finding_type=${q(value)}`, { field: 'query.finding_type' }]),
        [`/findings?technique=${q("dns_lookup' OR 1=1 --")}`, { field: 'query.technique' }],
      ]);
    });

    it('answers 422 naming the filter for bad UUIDs and bad dates', async () => {
      const cases: [string, Expected][] = [];
      for (const name of ['target_id', 'job_id']) {
        for (const value of [...BAD_UUIDS, ...INVALID_UTF8]) cases.push([`/findings?${name}=${BAD_UUIDS.includes(value) ? q(value) : value}`, { field: `query.${name}` }]);
      }
      for (const name of ['first_seen_from', 'first_seen_to', 'last_seen_from', 'last_seen_to']) {
        for (const value of BAD_DATES) cases.push([`/findings?${name}=${q(value)}`, { field: `query.${name}` }]);
      }
      await probe(cases);
    });

    it('answers instants at the edges of the calendar without an error', async () => {
      const cases: [string, Expected][] = [];
      for (const name of ['first_seen_from', 'first_seen_to', 'last_seen_from', 'last_seen_to']) {
        for (const value of EDGE_DATES) cases.push([`/findings?${name}=${q(value)}`, 'clean']);
      }
      await probe(cases);
    });

    it('answers bad cursors with 422 naming query.cursor', async () => {
      await probe(BAD_CURSORS.map((cursor) => [`/findings?cursor=${q(cursor)}`, { field: 'query.cursor' }]));
    });

    it('answers hostile path ids with 404', async () => {
      await probe(["' OR 1=1 --", '%FF', '..%2F..%2Fetc', 'urn:uuid:00000000-0000-4000-8000-000000000000', TEN_KB.slice(0, 2000)].map((id) => [`/findings/${id.startsWith('%') || id.includes('%2F') ? id : q(id)}`, { status: 404 }]));
    });
  });

  describe('GET /workspaces/{workspace_id}/jobs/{job_id}/findings and evidence listings', () => {
    it('answers hostile ids with 404 and bad cursors with 422', async () => {
      await probe([
        ...BAD_UUIDS.slice(0, 6).flatMap((id): [string, Expected][] => [
          [`/jobs/${q(id)}/findings`, { status: 404 }],
          [`/evidence/${q(id)}`, { status: 404 }],
          [`/evidence/${q(id)}/content`, { status: 404 }],
          [`/evidence/job/${q(id)}/files`, { status: 404 }],
        ]),
        ...BAD_CURSORS.map((cursor): [string, Expected] => [`/evidence?cursor=${q(cursor)}`, { field: 'query.cursor' }]),
      ]);
    });
  });

  describe('GET /workspaces/{workspace_id}/audit-logs', () => {
    it('answers SQL in action with an empty result, and bad actors and cursors with 422', async () => {
      await probe([
        ...SQL_FRAGMENTS.map((value): [string, Expected] => [`/audit-logs?action=${q(value)}`, 'empty']),
        ...BAD_UUIDS.map((value): [string, Expected] => [`/audit-logs?actor_id=${q(value)}`, { field: 'query.actor_id' }]),
        ...CONTROL.map((value): [string, Expected] => [`/audit-logs?action=${q(value)}`, { field: 'query.action' }]),
        ...[...BAD_CURSORS, ...BAD_SERIAL_CURSORS].map((cursor): [string, Expected] => [`/audit-logs?cursor=${q(cursor)}`, { field: 'query.cursor' }]),
      ]);
    });
  });

  describe('NUL characters in JSON bodies, which PostgreSQL text cannot hold', () => {
    it('answers 422 naming the field, at any depth and in keys, and writes nothing', async () => {
      const base = `/workspaces/${cast.workspaceId}`;
      const targetId = await addTarget(cast.admin, cast.workspaceId, 'domain', 'nul-check.example');
      const job = await cast.admin.call<{ id: string }>('POST', `${base}/jobs`, { target_id: targetId, technique: 'dns_lookup' });
      const cases: [string, string, Record<string, unknown>, string][] = [
        ['POST', '/workspaces', { name: 'a\u0000b' }, 'body.name'],
        ['POST', '/workspaces', { name: 'ok', description: '\u0000' }, 'body.description'],
        ['POST', `${base}/jobs/${job.body.id}/cancel`, { reason: 'why\u0000' }, 'body.reason'],
        ['POST', `${base}/schedules`, { target_id: targetId, technique: 'dns_lookup', interval_seconds: 86400, note: 'n\u0000' }, 'body.note'],
        ['POST', `${base}/webhooks`, { url: 'https://hooks.example.test/a\u0000b', events: ['job.finished'] }, 'body.url'],
        ['POST', `${base}/webhooks`, { url: 'https://hooks.example.test/', events: ['job.finished'], description: 'd\u0000' }, 'body.description'],
        ['POST', `${base}/jobs`, { target_id: targetId, technique: 'port_scan', params: { ports: ['80\u0000'] } }, 'body.params.ports.0'],
        ['POST', `${base}/targets/email`, { value: 'a\u0000@example.test' }, 'body.value'],
      ];
      const rowCounts = () => Promise.all(['workspaces', 'schedules', 'webhooks', 'jobs', 'targets', 'audit_logs'].map((table) => clients().knex(table).count()));
      const before = await rowCounts();
      const failures: string[] = [];
      for (const [method, path, body, field] of cases) {
        const response = await cast.admin.call<ErrorBody>(method, path, body);
        const fields = (response.body.error?.details?.fields ?? []).map((problem) => problem.field);
        if (response.status !== 422 || !fields.includes(field)) failures.push(`${method} ${path} ${JSON.stringify(body)} → ${response.status} ${JSON.stringify(response.body)}`);
      }
      assert.deepEqual(failures, []);
      const after = await rowCounts();
      assert.deepEqual(after, before, 'nothing was written');
      assert.equal((await cast.admin.call<{ status: string }>('GET', `${base}/jobs/${job.body.id}`)).body.status, 'CREATED');
    });

    it('answers 422 for a display name with NUL at registration, and creates no user', async () => {
      const response = await fetch(`${api.url}/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'nul@example.test', password: 'a long enough passphrase', display_name: 'N\u0000' }),
      });
      const body = (await response.json()) as ErrorBody;
      assert.equal(response.status, 422);
      assert.deepEqual(body.error.details?.fields?.map((problem) => problem.field), ['body.display_name']);
      assert.equal((await clients().knex('users').where({ email: 'nul@example.test' })).length, 0);
    });
  });

  describe('afterwards', () => {
    it('still answers ordinary requests', async () => {
      const response = await cast.viewer.call<{ items: { subject: string }[] }>('GET', `/workspaces/${cast.workspaceId}/findings/search?q=example`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body.items.map((item) => item.subject), ['example.com']);
    });
  });
});
