/** Liveness and readiness probes; public, for orchestrators and load balancers. */
import { Type } from '@sinclair/typebox';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';

const Readiness = Type.Object({
  ok: Type.Boolean(),
  db: Type.Boolean(),
  redis: Type.Boolean(),
  temporal: Type.Boolean(),
  storage: Type.Boolean(),
});

/** `GET /healthz` answers while the process runs; `GET /readyz` is 503 when a dependency is down. */
export function healthRoutes(deps: Pick<RouteDeps, 'checkReadiness'>): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tags: ['health'],
      access: 'public',
      responses: { 200: { description: 'alive', schema: Type.Object({ ok: Type.Literal(true) }) } },
      handler: () => ({ body: { ok: true } }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: each dependency answers',
      tags: ['health'],
      access: 'public',
      responses: {
        200: { description: 'every dependency is up', schema: Readiness },
        503: { description: 'at least one dependency is down; false names it', schema: Readiness },
      },
      handler: async () => {
        const readiness = await deps.checkReadiness();
        return { status: readiness.ok ? 200 : 503, body: readiness };
      },
    }),
  ];
}
