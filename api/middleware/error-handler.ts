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
  const database = fromDatabaseError(caught);
  if (database) return database;
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

/**
 * Database errors a client can be told about: a constraint violation (a duplicate is a conflict,
 * a broken reference or check a client mistake), text PostgreSQL cannot store, or a query the
 * statement timeout cancelled. Only the constraint's name is shown, never the values; any other
 * database error is left to become a 500.
 */
function fromDatabaseError(caught: unknown): AppError | undefined {
  const { code, constraint } = caught as { code?: unknown; constraint?: string };
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  const details = constraint ? { constraint } : undefined;
  if (code === '23505') return errors.conflict('This already exists', details);
  if (code === '23503') return errors.conflict('This refers to something that does not exist or is still in use', details);
  if (code === '23514') return errors.validation([{ field: constraint ?? 'body', message: 'violates a rule of the data model' }]);
  // Text PostgreSQL cannot store (a NUL character); request validation refuses these first.
  if (code === '22021' || code === '22P05') return errors.validation([{ field: 'request', message: 'holds a character that cannot be stored (NUL)' }]);
  // The API's statement timeout (API_STATEMENT_TIMEOUT_MS) cancelled the query.
  if (code === '57014') return errors.queryTimeout();
  return undefined;
}
