/**
 * The floor of an HTTP answer, for bench/findings-query: a bare node:http server in its own
 * process that runs a case's repository call and presenter and sends the JSON. No framework,
 * authentication, validation, logging or metrics, so the API's figure can be read against what
 * any Node HTTP service pays for the same answer on the same machine.
 *
 *   GET /cases/{index} → the case's answer      GET /ready → 200
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

const server = http.createServer((request, response) => {
  const match = /^\/cases\/(\d+)$/.exec(request.url ?? '');
  const selected = match ? cases[Number(match[1])] : undefined;
  if (!selected) {
    response.statusCode = request.url === '/ready' ? 200 : 404;
    response.end();
    return;
  }
  selected.sql().then(
    (result) => {
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.end(JSON.stringify(selected.present(result)));
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
