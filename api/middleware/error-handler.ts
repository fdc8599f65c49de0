/** Maps every error to the one error shape; messages of 5xx errors never reach the client. */
import type { Middleware } from 'koa';
import { AppError, errors } from '../../core/errors';
import type { Logger } from '../../core/logger';

/** Body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

/** Creates the outermost middleware that renders errors as `{"error": {code, message, details}}`. */
export function errorHandler(logger: Logger): Middleware {
  return async function handleErrors(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw errors.notFound('Route');
    } catch (caught) {
      const error = toAppError(caught);
      const log = (ctx.state.logger as Logger | undefined) ?? logger;
      if (error.status >= 500) log.error({ err: caught }, 'request failed');
      ctx.status = error.status;
      ctx.body = {
        error: { code: error.code, message: error.message, details: error.details ?? null },
      } satisfies ErrorBody;
      if (error.status === 429) {
        const retry = (error.details as { retry_after_seconds?: number } | undefined)?.retry_after_seconds;
        if (retry !== undefined) ctx.set('Retry-After', String(retry));
      }
    }
  };
}

/** Turns anything thrown (AppError, Koa's HttpError, database errors) into an AppError. */
export function toAppError(caught: unknown): AppError {
  if (caught instanceof AppError) return caught;
  const httpError = caught as { status?: number; expose?: boolean; message?: string; type?: string };
  if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
    if (httpError.status === 413) return errors.payloadTooLarge('the size limit');
    if (httpError.status === 415) return errors.unsupportedMediaType();
    if (httpError.status === 401) return errors.unauthorized();
    const message = httpError.expose && httpError.message ? httpError.message : 'Bad request';
    return new AppError('bad_request', httpError.status, message);
  }
  return errors.internal(caught);
}
