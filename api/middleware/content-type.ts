/** Refuses request bodies that are not JSON with 415, before anything parses them. */
import type { Middleware } from 'koa';
import { errors } from '../../core/errors';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Creates the middleware: a POST, PUT or PATCH that carries a body must say application/json. */
export function requireJsonBody(): Middleware {
  return async function requireJson(ctx, next) {
    const hasBody = Number(ctx.get('Content-Length') || 0) > 0 || ctx.get('Transfer-Encoding') !== '';
    if (WITH_BODY.has(ctx.method) && hasBody && !ctx.is('application/json', 'application/*+json')) {
      throw errors.unsupportedMediaType();
    }
    await next();
  };
}
