/** Builds /openapi.json from the same route declarations that validate requests. */
import type { TSchema } from '@sinclair/typebox';
import type { RouteDefinition } from './route';
import { ErrorBody } from './schemas';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (e.g. body is not valid JSON)',
  401: 'Missing, invalid or expired token',
  403: 'Your role in this workspace does not allow this',
  404: 'Not found, or in a workspace you are not a member of',
  409: 'Conflicts with the current state',
  413: 'Request body too large',
  415: 'Request body is not JSON',
  422: 'Validation failed; details.fields names each offending field',
  429: 'Too many attempts; see Retry-After',
  503: 'A dependency is unavailable',
};

/** The OpenAPI 3.1 document of `routes`. */
export function buildOpenApiDocument(routes: readonly RouteDefinition[], info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'OSINT investigation platform API',
      version: info.version,
      description:
        'Workspaces, targets, durable jobs, findings and evidence. Every error has the shape ' +
        '{"error": {"code", "message", "details"}}. Listings use cursor pagination (limit, cursor → next_cursor).',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: strip(ErrorBody) },
    },
  };
}

function operation(route: RouteDefinition): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    responses[status] = {
      description: doc.description,
      ...(doc.schema && { content: { [doc.contentType ?? 'application/json']: { schema: strip(doc.schema) } } }),
      ...(doc.contentType && !doc.schema && { content: { [doc.contentType]: {} } }),
    };
  }
  for (const status of errorStatuses(route)) {
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return {
    operationId: operationId(route),
    summary: route.summary,
    ...(route.description && { description: route.description }),
    tags: route.tags,
    ...(route.access !== 'public' && { security: [{ bearer: [] }] }),
    ...(route.access !== 'public' && route.access !== 'user' && { 'x-required-role': route.access }),
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body && { requestBody: { required: true, content: { 'application/json': { schema: strip(route.body) } } } }),
    responses,
  };
}

/** The error statuses an endpoint can answer, implied by its access rule and schemas. */
export function errorStatuses(route: RouteDefinition): number[] {
  const statuses = new Set<number>(route.errors ?? []);
  if (route.access !== 'public') statuses.add(401);
  if (route.access !== 'public' && route.access !== 'user') statuses.add(403).add(404);
  if (route.params) statuses.add(404);
  if (route.query) statuses.add(422);
  if (route.body) [400, 413, 415, 422].forEach((status) => statuses.add(status));
  return [...statuses].sort();
}

function parameters(schema: TSchema | undefined, location: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(property.description && { description: property.description }),
    schema: strip(property),
  }));
}

function operationId(route: RouteDefinition): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith('{') ? `by_${segment.slice(1, -1)}` : segment));
  return [route.method, ...words].join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

/** A plain JSON copy of a TypeBox schema (its symbol keys dropped). */
function strip(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema));
}
