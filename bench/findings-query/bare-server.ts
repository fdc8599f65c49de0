/**
 * The floor of an HTTP answer, for bench/findings-query: a bare node:http server in its own
 * process, with no framework, authentication, validation, logging or metrics, so the API's
 * figure can be read against what any Node HTTP service pays on the same machine.
 *
 *   GET /cases/{index}  → runs the case's repository call, presents and sends the JSON
 *   GET /floor/{index}  → presents and sends the case's answer, read once and kept: the HTTP
 *                         answer alone (present, serialize, send, receive), without the query
 *   GET /ready          → 200
 */
import http from 'node:http';
import { loadConfig } from '../../core/config';
import { createKnex } from '../../db/knex';
import { FindingsRepository } from '../../db/repositories/findings';
import { findingCases, type CaseInputs } from './cases';

const raw = JSON.parse(process.env.BENCH_CASE_INPUTS ?? '{}') as Omit<CaseInputs, 'weekAgo'> & { weekAgo: string };
const port = Number(process.env.BENCH_BARE_PORT ?? 18081);
const config = loadConfig(process.env);
const knex = createKnex(config.database);
const cases = findingCases(new FindingsRepository(knex), { ...raw, weekAgo: new Date(raw.weekAgo) });
const kept = new Map<number, Promise<unknown>>();

function answerOf(index: number, fromQuery: boolean): Promise<unknown> {
  const selected = cases[index]!;
  if (fromQuery) return selected.sql();
  if (!kept.has(index)) kept.set(index, selected.sql());
  return kept.get(index)!;
}

const server = http.createServer((request, response) => {
  const match = /^\/(cases|floor)\/(\d+)$/.exec(request.url ?? '');
  const index = match ? Number(match[2]) : -1;
  if (!match || !cases[index]) {
    response.statusCode = request.url === '/ready' ? 200 : 404;
    response.end();
    return;
  }
  answerOf(index, match[1] === 'cases').then(
    (result) => {
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.end(JSON.stringify(cases[index]!.present(result)));
    },
    (error: Error) => {
      response.statusCode = 500;
      response.end(error.message);
    },
  );
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void knex.destroy();
});
