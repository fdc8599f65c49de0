/** Schemas of the auth endpoints. */
import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../../schemas';

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254, description: 'email address' });

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 12, maxLength: 256, description: 'at least 12 characters' }),
    display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const UserView = Type.Object({
  id: Uuid(),
  email: Type.String(),
  display_name: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp(),
});

export const TokenView = Type.Object({
  access_token: Type.String({ description: 'send as Authorization: Bearer <token>' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'seconds' }),
  user: UserView,
});
