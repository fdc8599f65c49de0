/**
 * Bounds every Temporal call a request makes: while Temporal is down, the client's own retries
 * would hold a request for about 20 s; with a deadline it gets its 503 sooner. The deadline
 * rides in the Temporal connection's async context, so it reaches every call made while the
 * request is handled, and a call that sets a shorter one keeps it.
 */
import type { Client } from '@temporalio/client';
import type { Middleware } from 'koa';

export function temporalDeadline(temporal: Client, timeoutMs: number): Middleware {
  return async function boundTemporalCalls(ctx, next) {
    if (timeoutMs <= 0) return next();
    await temporal.connection.withDeadline(Date.now() + timeoutMs, () => next());
  };
}
