/** Builds the Koa application from its dependencies; never listens (see server.ts). */
import Koa from 'koa';
import type { Logger } from '../core/logger';
import { errorHandler } from './middleware/error-handler';
import { requestContext } from './middleware/request-context';
import type { Readiness } from './readiness';
import { healthRouter } from './routes/health/router';

/** Everything the application needs, built by the composition root. */
export interface AppDeps {
  readonly logger: Logger;
  readonly checkReadiness: () => Promise<Readiness>;
}

/** Creates the application with its middleware and routes. */
export function buildApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  // Errors are rendered and logged by errorHandler; Koa's default printer would log them twice.
  app.silent = true;
  app.use(requestContext(deps.logger));
  app.use(errorHandler(deps.logger));
  const health = healthRouter(deps.checkReadiness);
  app.use(health.routes()).use(health.allowedMethods());
  return app;
}
