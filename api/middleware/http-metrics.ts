/** Counts and times every request, labelled by route template (never the raw URL). */
import type { Middleware } from 'koa';
import type { ApiMetrics } from '../../core/metrics';

export function httpMetrics(metrics: ApiMetrics): Middleware {
  return async function measureRequest(ctx, next) {
    metrics.httpInFlight.inc();
    const stopTimer = metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const labels = { method: ctx.method, route, status: String(ctx.status) };
      stopTimer(labels);
      metrics.httpRequests.inc(labels);
      metrics.httpInFlight.dec();
    }
  };
}
