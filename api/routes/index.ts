/** Every endpoint of the API, one factory per resource. */
import type { RouteDeps } from '../deps';
import type { RouteDefinition } from '../route';
import { authRoutes } from './auth/router';
import { healthRoutes } from './health/router';
import { workspaceRoutes } from './workspaces/router';

/** The route declarations of the whole API. */
export function apiRoutes(deps: RouteDeps): RouteDefinition[] {
  return [...healthRoutes(deps), ...authRoutes(deps), ...workspaceRoutes(deps)];
}
