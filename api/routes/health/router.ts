/** Liveness and readiness probes; public, for orchestrators and load balancers. */
import Router from '@koa/router';
import type { Readiness } from '../../readiness';

/** `GET /healthz` answers while the process runs; `GET /readyz` is 503 when a dependency is down. */
export function healthRouter(checkReadiness: () => Promise<Readiness>): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/readyz', async (ctx) => {
    const readiness = await checkReadiness();
    ctx.status = readiness.ok ? 200 : 503;
    ctx.body = readiness;
  });
  return router;
}
