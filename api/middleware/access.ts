/**
 * Access middleware: who is calling (JWT → user) and what they may do in the workspace named
 * by the path. A non-member gets 404, exactly as for a workspace that does not exist.
 */
import { createSecretKey } from 'node:crypto';
import type { Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import { roleAtLeast, type Role } from '../../core/domain/roles';
import { errors } from '../../core/errors';
import type { UsersRepository } from '../../db/repositories/users';
import type { WorkspacesRepository } from '../../db/repositories/workspaces';
import type { MembershipCache } from '../auth/membership-cache';
import type { AccessMiddleware, AuthUser } from '../route';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Builds the authentication and workspace-role middleware. */
export function createAccessMiddleware(deps: {
  secretKey: string;
  users: UsersRepository;
  workspaces: WorkspacesRepository;
  memberships: MembershipCache;
}): AccessMiddleware {
  // A KeyObject made once: given a string, jsonwebtoken builds a key object on every verify,
  // which cost most of an authenticated request's CPU time.
  const secret = createSecretKey(Buffer.from(deps.secretKey, 'utf8'));
  const verifyToken = koaJwt({ secret: secret as unknown as string, algorithms: ['HS256'], key: 'claims' });

  const loadUser: Middleware = async function loadUser(ctx, next) {
    const subject = (ctx.state.claims as { sub?: unknown } | undefined)?.sub;
    // A token whose user was deleted, or with a malformed subject, authenticates nobody.
    const user = typeof subject === 'string' && UUID.test(subject) ? await deps.users.findById(subject) : undefined;
    if (!user) throw errors.unauthorized('Your session is no longer valid; log in again');
    ctx.state.user = { id: user.id, email: user.email } satisfies AuthUser;
    ctx.state.logger = ctx.state.logger.child({ user_id: user.id });
    await next();
  };

  const authenticate: Middleware = async function authenticate(ctx, next) {
    await verifyToken(ctx, () => loadUser(ctx, next));
  };

  // One query answers both "does this user still exist" and "what is their role here"; a member's
  // answer is reused until a membership changes (see MembershipCache).
  const requireWorkspaceRole = (required: Role): Middleware =>
    async function requireWorkspaceRole(ctx, next) {
      const subject = (ctx.state.claims as { sub?: unknown } | undefined)?.sub;
      const workspaceId = ctx.params.workspace_id;
      if (typeof subject !== 'string' || !UUID.test(subject)) throw errors.unauthorized('Your session is no longer valid; log in again');
      const access = UUID.test(workspaceId ?? '')
        ? await deps.memberships.lookup(subject, workspaceId!, () => deps.workspaces.accessOf(workspaceId!, subject))
        : await deps.workspaces.accessOf(null, subject);
      if (!access) throw errors.unauthorized('Your session is no longer valid; log in again');
      ctx.state.user = { id: access.user_id, email: access.email } satisfies AuthUser;
      ctx.state.logger = ctx.state.logger.child({ user_id: access.user_id });
      const role = access.role ?? undefined;
      if (!role) throw errors.notFound('Workspace');
      if (!roleAtLeast(role, required)) throw errors.forbidden(`This action needs the ${required} role or higher; yours is ${role}`);
      ctx.state.workspace = { id: workspaceId, role };
      ctx.state.logger = ctx.state.logger.child({ workspace_id: workspaceId });
      await next();
    };

  return { verifyToken, authenticate, requireWorkspaceRole };
}
