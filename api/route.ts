/**
 * One declaration per endpoint: its path, access rule, schemas, responses and handler. The
 * same declaration mounts the route (auth → workspace access → validation → handler), types
 * the handler's input and documents the endpoint in /openapi.json.
 */
import type Router from '@koa/router';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Context, Middleware } from 'koa';
import type { Role } from '../core/domain/roles';
import { errors } from '../core/errors';
import type { Logger } from '../core/logger';
import { compileValidator, type RequestPart } from './validation';

/** Who may call an endpoint: anyone, any signed-in user, or a workspace member with at least a role. */
export type Access = 'public' | 'user' | Role;

/** The signed-in user. */
export interface AuthUser {
  readonly id: string;
  readonly email: string;
}

/** The caller's membership in the workspace named by the path. */
export interface WorkspaceAccess {
  readonly id: string;
  readonly role: Role;
}

/** What a handler receives: validated input and who is asking. */
export interface HandlerInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Present for every access rule but 'public'. */
  readonly user: AuthUser;
  /** Present when the access rule is a role. */
  readonly workspace: WorkspaceAccess;
  readonly ip: string;
  readonly logger: Logger;
  /** Koa's context, for the rare handler that streams or sets headers itself. */
  readonly ctx: Context;
}

/** What a handler answers; undefined when it has written the response itself. */
export interface HandlerResult {
  readonly status?: number;
  readonly body: unknown;
}

/** A documented success response. */
export interface ResponseDoc {
  readonly description: string;
  readonly schema?: TSchema;
  readonly contentType?: string;
}

/** The declaration of one endpoint. */
export interface RouteDefinition<P extends TSchema = TSchema, Q extends TSchema = TSchema, B extends TSchema = TSchema> {
  readonly method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI-style path, e.g. `/workspaces/{workspace_id}/targets`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly access: Access;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** Error statuses beyond those implied by access and schemas (e.g. 409, 429). */
  readonly errors?: readonly number[];
  readonly handler: (
    input: HandlerInput<Static<P>, Static<Q>, Static<B>>,
  ) => Promise<HandlerResult | void> | HandlerResult | void;
}

/** Declares an endpoint with its handler's input typed from its schemas. */
export function defineRoute<P extends TSchema, Q extends TSchema, B extends TSchema>(
  definition: RouteDefinition<P, Q, B>,
): RouteDefinition {
  return definition as unknown as RouteDefinition;
}

/** The middleware that enforce access rules, built once by the app. */
export interface AccessMiddleware {
  /** Verifies the token only (workspace routes load the user together with the membership). */
  readonly verifyToken: Middleware;
  /** Verifies the token and loads the user. */
  readonly authenticate: Middleware;
  readonly requireWorkspaceRole: (role: Role) => Middleware;
}

/** `/workspaces/{workspace_id}` → `/workspaces/:workspace_id`. */
export function toKoaPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** Mounts each route on `router` with its middleware chain in order. */
export function mountRoutes(router: Router, routes: readonly RouteDefinition[], access: AccessMiddleware): void {
  for (const route of routes) {
    const chain: Middleware[] = [];
    if (route.access === 'user') chain.push(access.authenticate);
    if (route.access !== 'public' && route.access !== 'user') chain.push(access.verifyToken);
    // Ids that are not UUIDs cannot name anything: 404 before any query, never a database error.
    if (route.params) chain.push(validatePart(route.params, 'params', () => errors.notFound('Resource')));
    if (route.access !== 'public' && route.access !== 'user') chain.push(access.requireWorkspaceRole(route.access));
    if (route.query) chain.push(validatePart(route.query, 'query'));
    if (route.body) chain.push(validatePart(route.body, 'body'));
    chain.push(runHandler(route));
    router[route.method](toKoaPath(route.path), ...chain);
  }
}

function validatePart(schema: TSchema, part: RequestPart, onError?: () => Error): Middleware {
  const validate = compileValidator(schema, part);
  return async function validateRequestPart(ctx, next) {
    const value = readPart(ctx, part);
    const problems = validate(value, part === 'body' ? (ctx.request as { rawBody?: string }).rawBody : undefined);
    if (problems.length > 0) throw onError ? onError() : errors.validation(problems);
    ctx.state.validated = { ...(ctx.state.validated as object), [part]: value };
    await next();
  };
}

/**
 * The value to validate. Path parameters are validated in place, so access checks, which read
 * the path's ids from ctx.params, get the canonical (lowercase) ones.
 */
function readPart(ctx: Context, part: RequestPart): unknown {
  if (part === 'params') return ctx.params;
  if (part === 'query') return { ...ctx.query };
  return (ctx.request as { body?: unknown }).body;
}

function runHandler(route: RouteDefinition): Middleware {
  return async function handleRoute(ctx) {
    const validated = (ctx.state.validated ?? {}) as { params?: unknown; query?: unknown; body?: unknown };
    const result = await route.handler({
      params: validated.params ?? ctx.params,
      query: validated.query ?? {},
      body: validated.body,
      user: ctx.state.user as AuthUser,
      workspace: ctx.state.workspace as WorkspaceAccess,
      ip: ctx.ip,
      logger: ctx.state.logger as Logger,
      ctx,
    } as HandlerInput<unknown, unknown, unknown>);
    if (result) {
      ctx.status = result.status ?? 200;
      ctx.body = result.body;
    }
  };
}
