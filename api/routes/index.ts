/** Every endpoint of the API, one factory per resource. */
import type { RouteDeps } from '../deps';
import type { RouteDefinition } from '../route';
import { auditLogRoutes } from './audit-logs/router';
import { authRoutes } from './auth/router';
import { evidenceRoutes } from './evidence/router';
import { findingRoutes } from './findings/router';
import { healthRoutes } from './health/router';
import { jobDiffRoutes } from './jobs/diff';
import { jobRoutes } from './jobs/router';
import { jobRunRoutes } from './jobs/run-router';
import { scheduleRoutes } from './schedules/router';
import { targetRoutes } from './targets/router';
import { webhookRoutes } from './webhooks/router';
import { workspaceRoutes } from './workspaces/router';

/** The route declarations of the whole API. */
export function apiRoutes(deps: RouteDeps): RouteDefinition[] {
  return [...healthRoutes(deps), ...authRoutes(deps), ...workspaceRoutes(deps), ...targetRoutes(deps), ...jobRoutes(deps), ...jobRunRoutes(deps), ...findingRoutes(deps), ...evidenceRoutes(deps), ...auditLogRoutes(deps), ...scheduleRoutes(deps), ...jobDiffRoutes(deps), ...webhookRoutes(deps)];
}
