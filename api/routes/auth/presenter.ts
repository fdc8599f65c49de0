/** Shapes users and tokens for responses; never the password hash. */
import type { Static } from '@sinclair/typebox';
import type { User } from '../../../db/models/User';
import type { TokenView, UserView } from './schema';

export function presentUser(user: User): Static<typeof UserView> {
  return { id: user.id, email: user.email, display_name: user.display_name, created_at: user.created_at.toISOString() };
}

export function presentToken(user: User, token: string, expiresIn: number): Static<typeof TokenView> {
  return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, user: presentUser(user) };
}
