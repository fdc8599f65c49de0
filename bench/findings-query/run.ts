/**
 * bench/findings-query: 1,000,000 findings in one workspace (and a few thousand in four others),
 * then a fixed set of list, search and stats requests (cases.ts), each answered four ways in
 * turn in the same run: through the HTTP API (a real API process), through a bare node:http
 * server running the same repository call (bare-server.ts), through that server sending the
 * answer it read once (the HTTP answer alone, without the query), and by the repository call
 * run directly against PostgreSQL. Prints p50/p95 and the ratios.
 *
 *   npm run bench:findings-query            (BENCH_FINDINGS=200000 for a quicker run;
 *                                           BENCH_CASES="list, first page,search" measures only those)
 */
import path from 'node:path';
import { Pool } from 'undici';
import { hashPassword } from '../../api/auth/passwords';
import { loadConfig } from '../../core/config';
import { createKnex, migrateToLatest } from '../../db/knex';
import { FindingsRepository } from '../../db/repositories/findings';
import { startProcess, waitUntil } from '../../scripts/stack/process';
import { loadStackSettings } from '../../scripts/stack/settings';
import { ensureStack } from '../../scripts/stack/stack';
import { testEnvironment } from '../../scripts/stack/test-environment';
import { ms, percentile, printTable } from '../lib/measure';
import { findingCases, type CaseInputs } from './cases';
import { seedFindings } from './seed';

const ROOT = path.resolve(__dirname, '../..');
const COUNT = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
/** Samples per request and way, unless the request's time budget runs out first (never fewer than MIN_ROUNDS). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const MIN_ROUNDS = 20;
const CASE_BUDGET_MS = Number(process.env.BENCH_CASE_SECONDS ?? 20) * 1000;
const WARMUP = 30;
const API_PORT = Number(process.env.BENCH_API_PORT ?? 18080);
const BARE_PORT = API_PORT + 1;

type Way = 'api' | 'bare' | 'floor' | 'sql';
const WAYS: readonly Way[] = ['api', 'bare', 'floor', 'sql'];

/** The API/SQL ratio of an answer that costs the query plus the HTTP answer alone and nothing more. */
function floorRatio(p50: Record<Way, number>): number {
  return (p50.sql + p50.floor) / p50.sql;
}

function say(line: string): void {
  console.log(`bench     | ${line}`);
}

/** A keep-alive client on one connection that answers the parsed JSON of a 200 (anything else throws). */
function jsonClient(baseUrl: string, headers: Record<string, string> = {}) {
  const pool = new Pool(baseUrl, { connections: 1, pipelining: 1 });
  return {
    get: async (requestPath: string): Promise<unknown> => {
      const response = await pool.request({ path: requestPath, method: 'GET', headers });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`${requestPath}: ${response.statusCode} ${text}`);
      return JSON.parse(text);
    },
    close: () => pool.close(),
  };
}

async function main(): Promise<void> {
  const base = testEnvironment(process.env);
  const database = new URL(base.DATABASE_URL!);
  database.pathname = '/osint_bench';
  const env: NodeJS.ProcessEnv = { ...base, DATABASE_URL: database.toString(), API_PORT: String(API_PORT), LOG_LEVEL: 'warn' };
  const stack = await ensureStack({ settings: loadStackSettings(env), profile: 'test', log: say });
  const config = loadConfig(env);
  const knex = createKnex({ ...config.database, poolMax: 4 });
  const tsx = ['--require', 'tsx/cjs'];
  const api = startProcess('api', process.execPath, [...tsx, path.join(ROOT, 'api/server.ts')], { env, cwd: ROOT, sink: { kind: 'console' } });
  let bare: ReturnType<typeof startProcess> | undefined;
  const clients: { close(): Promise<void> }[] = [];
  try {
    await migrateToLatest(knex);
    const seeded = await seedFindings(knex, await hashPassword('benchmark passphrase'), COUNT, say);
    const repo = new FindingsRepository(knex);
    const inputs: CaseInputs = {
      workspaceId: seeded.workspaceId,
      targetId: seeded.targetIds[3]!,
      cursor: (await repo.list(seeded.workspaceId, {}, { limit: 50 })).next_cursor!,
      weekAgo: new Date(Date.now() - 7 * 86400000),
    };
    bare = startProcess('bare', process.execPath, [...tsx, path.join(__dirname, 'bare-server.ts')], {
      env: { ...env, BENCH_BARE_PORT: String(BARE_PORT), BENCH_CASE_INPUTS: JSON.stringify(inputs) },
      cwd: ROOT,
      sink: { kind: 'console' },
    });
    const apiUrl = `http://127.0.0.1:${API_PORT}`;
    const bareUrl = `http://127.0.0.1:${BARE_PORT}`;
    await waitUntil('api', () => fetch(`${apiUrl}/healthz`).then((response) => response.ok), { timeoutMs: 60000, process: api });
    await waitUntil('bare', () => fetch(`${bareUrl}/ready`).then((response) => response.ok), { timeoutMs: 60000, process: bare });
    const login = await fetch(`${apiUrl}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: seeded.email, password: seeded.password }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const apiClient = jsonClient(apiUrl, { authorization: `Bearer ${token}` });
    const bareClient = jsonClient(bareUrl);
    clients.push(apiClient, bareClient);

    const only = process.env.BENCH_CASES?.split(',').map((name) => name.trim()).filter(Boolean);
    const cases = findingCases(repo, inputs).map((testCase, index) => ({
      ...testCase,
      run: {
        api: () => apiClient.get(`/workspaces/${inputs.workspaceId}${testCase.path}`),
        bare: () => bareClient.get(`/cases/${index}`),
        floor: () => bareClient.get(`/floor/${index}`),
        sql: testCase.sql,
      } satisfies Record<Way, () => Promise<unknown>>,
    })).filter((testCase) => !only || only.some((name) => testCase.name.includes(name)));

    say(`measuring ${cases.length} requests four ways (API, bare HTTP, HTTP floor, SQL) in turn, up to ${ROUNDS} samples each, after ${WARMUP} unmeasured`);
    const rows: string[][] = [];
    const results: { kind: string; p50: Record<Way, number>; p95: Record<Way, number> }[] = [];
    for (const testCase of cases) {
      const samples: Record<Way, number[]> = { api: [], bare: [], floor: [], sql: [] };
      const started = Date.now();
      for (let round = 0; round < WARMUP + ROUNDS; round += 1) {
        if (round >= WARMUP + MIN_ROUNDS && Date.now() - started > CASE_BUDGET_MS) break;
        // Each round starts with the next way, so no way always follows the same one.
        for (let step = 0; step < WAYS.length; step += 1) {
          const way = WAYS[(round + step) % WAYS.length]!;
          const begun = process.hrtime.bigint();
          await testCase.run[way]();
          if (round >= WARMUP) samples[way].push(Number(process.hrtime.bigint() - begun) / 1e6);
        }
      }
      const at = (fraction: number) => Object.fromEntries(WAYS.map((way) => [way, percentile(samples[way], fraction)])) as Record<Way, number>;
      const p50 = at(0.5);
      const p95 = at(0.95);
      results.push({ kind: testCase.kind, p50, p95 });
      rows.push([
        testCase.name,
        String(samples.api.length),
        ms(p50.api),
        ms(p95.api),
        ms(p50.bare),
        ms(p50.floor),
        ms(p50.sql),
        ms(p95.sql),
        (p50.api / p50.sql).toFixed(2),
        (p95.api / p95.sql).toFixed(2),
        (p50.bare / p50.sql).toFixed(2),
        (floorRatio(p50)).toFixed(2),
      ]);
    }
    console.log('');
    console.log(`findings-query: ${seeded.findings.toLocaleString('en')} findings in the workspace; times in ms`);
    console.log('API: the real API process (auth, membership, validation, logging, metrics); bare HTTP: node:http running the same repository call and presenter, nothing else;');
    console.log('HTTP floor: the same bare server sending the answer it read once, so the HTTP answer alone without the query; SQL: the repository call in this process;');
    console.log('floor ratio: (SQL + HTTP floor) / SQL, the lowest API/SQL any HTTP service answering the query can reach on this machine');
    printTable(
      ['request', 'samples', 'API p50', 'API p95', 'bare HTTP p50', 'HTTP floor p50', 'SQL p50', 'SQL p95', 'API/SQL p50', 'API/SQL p95', 'bare/SQL p50', 'floor ratio'],
      rows,
    );
    const worstSearchP95 = Math.max(...results.filter((result) => result.kind === 'search').map((result) => result.p95.api));
    const worstRatio = Math.max(...results.map((result) => result.p50.api / result.p50.sql));
    const worstBare = Math.max(...results.map((result) => result.p50.bare / result.p50.sql));
    const worstFloor = Math.max(...results.map((result) => floorRatio(result.p50)));
    const overBare = results.map((result) => result.p50.api - result.p50.bare).sort((a, b) => a - b);
    console.log('');
    console.log(`goal: search p95 < 100 ms        → worst ${ms(worstSearchP95)} ms ${worstSearchP95 < 100 ? 'MET' : 'MISSED'}`);
    console.log(`goal: API/SQL ratio (p50) ≤ 1.5  → worst ${worstRatio.toFixed(2)} ${worstRatio <= 1.5 ? 'MET' : 'MISSED'} (bare HTTP/SQL: worst ${worstBare.toFixed(2)}; floor ratio: worst ${worstFloor.toFixed(2)})`);
    console.log(`the API's p50 over bare HTTP's: median ${ms(percentile(overBare, 0.5))} ms, largest ${ms(overBare[overBare.length - 1]!)} ms`);
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.allSettled([api.stop(), bare?.stop()]);
    await knex.destroy();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
