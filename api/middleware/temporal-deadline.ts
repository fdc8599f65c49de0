/**
 * Bounds every Temporal call a request makes: while Temporal is down, the client's own retries
 * would hold a request for about 20 s; with a deadline it gets its 503 sooner. The deadline
 * rides in the Temporal connection's async context, so it reaches every call made while the
 * request is handled. A call that sets its own deadline (withDeadline) replaces this one,
 * whether it is shorter or longer.
 */
import type { Client } from '@temporalio/client';
import type { Middleware } from 'koa';

/** Creates the middleware; a timeout of 0 or less leaves Temporal calls unbounded. */
export function temporalDeadline(temporal: Client, timeoutMs: number): Middleware {
  if (timeoutMs <= 0) {
    return async function leaveTemporalCallsUnbounded(_ctx, next) {
      await next();
    };
  }
  return async function boundTemporalCalls(_ctx, next) {
    await temporal.connection.withDeadline(Date.now() + timeoutMs, () => next());
  };
}
