/** Builds the Koa application from its dependencies; never listens (see server.ts). */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import { errors } from '../core/errors';
import { createRepositories } from '../db/repositories';
import { LoginThrottle } from './auth/login-throttle';
import { JobRunner } from './jobs/job-runner';
import type { ApiDeps, RouteDeps } from './deps';
import { createAccessMiddleware } from './middleware/access';
import { requireJsonBody } from './middleware/content-type';
import { errorHandler } from './middleware/error-handler';
import { httpMetrics } from './middleware/http-metrics';
import { requestContext } from './middleware/request-context';
import { temporalDeadline } from './middleware/temporal-deadline';
import { mountRoutes, type RouteDefinition } from './route';
import { apiRoutes } from './routes';
import { ScheduleManager } from './schedules/schedule-manager';
import { docsRouter } from './routes/docs/router';
import { metricsRouter } from './routes/metrics/router';

/** The application and the route declarations it serves (for docs and tests). */
export interface BuiltApp {
  readonly app: Koa;
  readonly routes: readonly RouteDefinition[];
  readonly router: Router;
}

/** Creates the application with its middleware and routes. */
export function buildApp(deps: ApiDeps): BuiltApp {
  const repos = createRepositories(deps.knex);
  const routeDeps: RouteDeps = {
    ...deps,
    repos,
    loginThrottle: new LoginThrottle(deps.redis, deps.config.login),
    jobRunner: new JobRunner({ knex: deps.knex, repos, temporal: deps.temporal, config: deps.config }),
    scheduleManager: new ScheduleManager({ knex: deps.knex, repos, temporal: deps.temporal, config: deps.config }),
  };
  const routes = apiRoutes(routeDeps);
  const router = new Router();
  mountRoutes(router, routes, createAccessMiddleware({ secretKey: deps.config.secretKey, ...repos, memberships: deps.memberships }));
  const docs = docsRouter(routes);

  const app = new Koa();
  // Errors are rendered and logged by errorHandler; Koa's default printer would log them twice.
  app.silent = true;
  app.proxy = deps.config.api.trustProxy;
  app.use(httpMetrics(deps.metrics));
  app.use(requestContext(deps.logger));
  app.use(errorHandler(deps.logger));
  app.use(requireJsonBody());
  app.use(temporalDeadline(deps.temporal, deps.config.api.temporalTimeoutMs));
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: deps.config.api.bodyLimit,
      jsonStrict: true,
      onError: (error) => {
        throw (error as { status?: number }).status === 413
          ? errors.payloadTooLarge(deps.config.api.bodyLimit)
          : errors.badRequest('Request body is not valid JSON (an object or an array)');
      },
    }),
  );
  app.use(router.routes()).use(router.allowedMethods());
  app.use(docs.routes());
  app.use(metricsRouter(deps.metrics.registry).routes());
  return { app, routes, router };
}
