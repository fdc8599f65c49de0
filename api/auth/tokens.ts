/** Access tokens: HS256 JWTs signed with SECRET_KEY, carrying the user id as `sub`. */
import jwt from 'jsonwebtoken';

/** Claims of an access token. */
export interface TokenClaims {
  readonly sub: string;
  readonly email: string;
}

/** Signs an access token valid for `expiresInSeconds`. */
export function issueToken(claims: TokenClaims, secret: string, expiresInSeconds: number): string {
  return jwt.sign({ email: claims.email }, secret, { algorithm: 'HS256', subject: claims.sub, expiresIn: expiresInSeconds });
}
