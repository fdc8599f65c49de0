/** Gives each request an id and a child logger, and logs one line when it ends. */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../core/logger';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Creates the middleware that sets `ctx.state.requestId` and `ctx.state.logger`. */
export function requestContext(logger: Logger): Middleware {
  return async function withRequestContext(ctx, next) {
    const incoming = ctx.get('X-Request-Id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.logger = logger.child({ request_id: requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      (ctx.state.logger as Logger).info(
        { method: ctx.method, route, status: ctx.status, duration_ms: Math.round(ms * 10) / 10 },
        'request',
      );
    }
  };
}
