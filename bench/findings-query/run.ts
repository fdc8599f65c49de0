/**
 * bench/findings-query: 1,000,000 findings in one workspace (and a few thousand in four others),
 * then a fixed set of list, search and stats requests through the HTTP API (a real API process),
 * side by side with the same repository queries run directly against PostgreSQL, in the same run.
 * Prints p50/p95 of both and the API/SQL ratio.
 *
 *   npm run bench:findings-query            (BENCH_FINDINGS=200000 for a quicker run)
 */
import http from 'node:http';
import path from 'node:path';
import { hashPassword } from '../../api/auth/passwords';
import { loadConfig } from '../../core/config';
import { createKnex, migrateToLatest } from '../../db/knex';
import { FindingsRepository } from '../../db/repositories/findings';
import { startProcess, waitUntil } from '../../scripts/stack/process';
import { loadStackSettings } from '../../scripts/stack/settings';
import { ensureStack } from '../../scripts/stack/stack';
import { testEnvironment } from '../../scripts/stack/test-environment';
import { measure, ms, printTable, type Latency } from '../lib/measure';
import { seedFindings } from './seed';

const ROOT = path.resolve(__dirname, '../..');
const COUNT = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const API_PORT = Number(process.env.BENCH_API_PORT ?? 18080);

function say(line: string): void {
  console.log(`bench     | ${line}`);
}

async function main(): Promise<void> {
  const base = testEnvironment(process.env);
  const database = new URL(base.DATABASE_URL!);
  database.pathname = '/osint_bench';
  const env: NodeJS.ProcessEnv = { ...base, DATABASE_URL: database.toString(), API_PORT: String(API_PORT), LOG_LEVEL: 'warn' };
  const stack = await ensureStack({ settings: loadStackSettings(env), profile: 'test', log: say });
  const config = loadConfig(env);
  const knex = createKnex({ ...config.database, poolMax: 4 });
  const api = startProcess('api', process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'api/server.ts')], {
    env,
    cwd: ROOT,
    sink: { kind: 'console' },
  });
  try {
    await migrateToLatest(knex);
    const seeded = await seedFindings(knex, await hashPassword('benchmark passphrase'), COUNT, say);
    const baseUrl = `http://127.0.0.1:${API_PORT}`;
    await waitUntil('api', () => fetch(`${baseUrl}/healthz`).then((response) => response.ok), { timeoutMs: 60000, process: api });
    const login = await fetch(`${baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: seeded.email, password: seeded.password }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    // A plain keep-alive HTTP client: the measurement should cost as little as the server allows.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (query: string) =>
      new Promise<unknown>((resolve, reject) => {
        const request = http.get(
          `${baseUrl}/workspaces/${seeded.workspaceId}${query}`,
          { agent, headers: { Authorization: `Bearer ${token}` } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (response.statusCode !== 200) reject(new Error(`${query}: ${response.statusCode} ${text}`));
              else resolve(JSON.parse(text));
            });
          },
        );
        request.on('error', reject);
      });

    const repo = new FindingsRepository(knex);
    const ws = seeded.workspaceId;
    const target = seeded.targetIds[3]!;
    const firstPage = await repo.list(ws, {}, { limit: 50 });
    const cursor = firstPage.next_cursor!;
    const weekAgo = new Date(Date.now() - 7 * 86400000);
    const cases: { name: string; kind: 'list' | 'search' | 'stats'; api: () => Promise<unknown>; sql: () => Promise<unknown> }[] = [
      { name: 'list, first page', kind: 'list', api: () => get('/findings?limit=50'), sql: () => repo.list(ws, {}, { limit: 50 }) },
      { name: 'list, next page (cursor)', kind: 'list', api: () => get(`/findings?limit=50&cursor=${cursor}`), sql: () => repo.list(ws, {}, { limit: 50, cursor }) },
      { name: 'list, by type', kind: 'list', api: () => get('/findings?limit=50&finding_type=open_port'), sql: () => repo.list(ws, { finding_type: 'open_port' }, { limit: 50 }) },
      { name: 'list, by target', kind: 'list', api: () => get(`/findings?limit=50&target_id=${target}`), sql: () => repo.list(ws, { target_id: target }, { limit: 50 }) },
      {
        name: 'list, first seen in last 7 days',
        kind: 'list',
        api: () => get(`/findings?limit=50&first_seen_from=${weekAgo.toISOString()}`),
        sql: () => repo.list(ws, { first_seen_from: weekAgo }, { limit: 50 }),
      },
      { name: 'search, rare word', kind: 'search', api: () => get('/findings/search?q=quokka&limit=50'), sql: () => repo.search(ws, 'quokka', { limit: 50 }) },
      { name: 'search, common word', kind: 'search', api: () => get('/findings/search?q=nginx&limit=50'), sql: () => repo.search(ws, 'nginx', { limit: 50 }) },
      { name: 'search, two words', kind: 'search', api: () => get('/findings/search?q=openssh%20kilo&limit=50'), sql: () => repo.search(ws, 'openssh kilo', { limit: 50 }) },
      { name: 'search, subject substring', kind: 'search', api: () => get('/findings/search?q=srv-4242&limit=50'), sql: () => repo.search(ws, 'srv-4242', { limit: 50 }) },
      { name: 'stats, 30 days', kind: 'stats', api: () => get('/findings/stats?days=30'), sql: () => repo.stats(ws, 30) },
    ];

    say(`measuring ${cases.length} requests, ${ROUNDS} rounds each, API and SQL alternating`);
    const rows: string[][] = [];
    const results: { name: string; kind: string; api: Latency; sql: Latency }[] = [];
    for (const testCase of cases) {
      const apiLatency = await measure(testCase.api, ROUNDS);
      const sqlLatency = await measure(testCase.sql, ROUNDS);
      results.push({ name: testCase.name, kind: testCase.kind, api: apiLatency, sql: sqlLatency });
      rows.push([
        testCase.name,
        ms(apiLatency.p50),
        ms(apiLatency.p95),
        ms(sqlLatency.p50),
        ms(sqlLatency.p95),
        (apiLatency.p50 / sqlLatency.p50).toFixed(2),
        (apiLatency.p95 / sqlLatency.p95).toFixed(2),
      ]);
    }
    console.log('');
    console.log(`findings-query: ${seeded.findings.toLocaleString('en')} findings in the workspace; times in ms`);
    printTable(['request', 'API p50', 'API p95', 'SQL p50', 'SQL p95', 'API/SQL p50', 'API/SQL p95'], rows);
    const worstSearchP95 = Math.max(...results.filter((result) => result.kind === 'search').map((result) => result.api.p95));
    const worstRatio = Math.max(...results.map((result) => result.api.p50 / result.sql.p50));
    console.log('');
    console.log(`goal: search p95 < 100 ms        → worst ${ms(worstSearchP95)} ms ${worstSearchP95 < 100 ? 'MET' : 'MISSED'}`);
    console.log(`goal: API/SQL ratio (p50) ≤ 1.5  → worst ${worstRatio.toFixed(2)} ${worstRatio <= 1.5 ? 'MET' : 'MISSED'}`);
  } finally {
    await api.stop();
    await knex.destroy();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
