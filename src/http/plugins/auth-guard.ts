import type { FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import type { AccessClaims, AccessTokens } from '../../core/tokens/access-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: AccessClaims | null;
  }
}

/** The bearer token of the Authorization header, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw errors.unauthenticated('The Authorization header must be "Bearer <token>"');
  return match[1];
}

/** onRequest hook for routes that need a signed-in user: runs before the body is even read. */
export function requireUser(accessTokens: AccessTokens) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request);
    if (!token) throw errors.unauthenticated();
    request.principal = await accessTokens.verify(token);
  };
}

/** onRequest hook for routes that accept, but do not need, an access token. */
export function optionalUser(accessTokens: AccessTokens) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request);
    request.principal = token ? await accessTokens.verify(token) : null;
  };
}
