/** Registration, login (throttled against brute force) and the current user. */
import { errors } from '../../../core/errors';
import { DECOY_HASH_PROMISE, hashPassword, verifyPassword } from '../../auth/passwords';
import { issueToken } from '../../auth/tokens';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { presentToken, presentUser } from './presenter';
import { LoginBody, RegisterBody, TokenView, UserView } from './schema';

export function authRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos, config } = deps;
  const token = (user: { id: string; email: string }) =>
    issueToken({ sub: user.id, email: user.email }, config.secretKey, config.jwtExpiresInSeconds);

  return [
    defineRoute({
      method: 'post',
      path: '/auth/register',
      summary: 'Register an account',
      tags: ['auth'],
      access: 'public',
      body: RegisterBody,
      responses: { 201: { description: 'the new account, with a token', schema: TokenView } },
      errors: [409],
      handler: async ({ body, ip }) => {
        const email = body.email.trim().toLowerCase();
        if (await repos.users.findByEmail(email)) throw errors.conflict('An account with this email already exists');
        const password_hash = await hashPassword(body.password);
        const user = await deps.knex.transaction(async (trx) => {
          const created = await repos.users.create({ email, password_hash, display_name: body.display_name ?? null }, trx);
          await repos.auditLogs.record(null, { action: 'user.registered', entity_type: 'user', entity_id: created.id, actor_id: created.id, ip }, trx);
          return created;
        });
        return { status: 201, body: presentToken(user, token(user), config.jwtExpiresInSeconds) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/login',
      summary: 'Log in and get an access token',
      description: 'Repeated failures for an account or an address are slowed, then refused with 429.',
      tags: ['auth'],
      access: 'public',
      body: LoginBody,
      responses: { 200: { description: 'a token', schema: TokenView } },
      errors: [429],
      handler: async ({ body, ip }) => {
        await deps.loginThrottle.beforeAttempt(body.email, ip);
        const user = await repos.users.findByEmail(body.email.trim());
        // An unknown account costs the same hashing work as a wrong password.
        const valid = await verifyPassword(user?.password_hash ?? (await DECOY_HASH_PROMISE), body.password);
        // The attempt already counts as a failure (see LoginThrottle.beforeAttempt).
        if (!user || !valid) throw errors.unauthorized('Invalid email or password');
        await deps.loginThrottle.recordSuccess(body.email, ip);
        await deps.knex.transaction((trx) =>
          repos.auditLogs.record(null, { action: 'user.logged_in', entity_type: 'user', entity_id: user.id, actor_id: user.id, ip }, trx),
        );
        return { body: presentToken(user, token(user), config.jwtExpiresInSeconds) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/auth/me',
      summary: 'The signed-in user',
      tags: ['auth'],
      access: 'user',
      responses: { 200: { description: 'the user', schema: UserView } },
      handler: async ({ user }) => {
        const found = await repos.users.findById(user.id);
        if (!found) throw errors.unauthorized();
        return { body: presentUser(found) };
      },
    }),
  ];
}
