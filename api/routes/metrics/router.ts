/** `GET /metrics`: Prometheus exposition of the process's registry. Public, like the probes. */
import Router from '@koa/router';
import type { Registry } from 'prom-client';

export function metricsRouter(registry: Registry): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}
