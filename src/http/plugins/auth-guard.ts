import type { FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import type { SessionRegistry } from '../../core/sessions/registry.js';
import type { AccessClaims, AccessTokens } from '../../core/tokens/access-tokens.js';
import type { User } from '../../core/users/service.js';

/** A caller proven by a live access token: its claims, and the user as the session registry last saw them. */
export type Principal = AccessClaims & { user: User };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface GuardDeps {
  accessTokens: AccessTokens;
  sessions: SessionRegistry;
}

/** The bearer token of the Authorization header, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw errors.unauthenticated('The Authorization header must be "Bearer <token>"');
  return match[1];
}

/**
 * Verifies an access token and asks the registry whether its user may still act and its
 * session still lives: a deleted, disabled or banned user, or an ended session, is refused
 * here, so no handler ever sees them.
 */
export async function resolvePrincipal(deps: GuardDeps, token: string): Promise<Principal> {
  const claims = await deps.accessTokens.verify(token);
  const user = await deps.sessions.check(claims.userId, claims.sessionId);
  return { ...claims, user };
}

/** onRequest hook for routes that need a signed-in user: runs before the body is even read. */
export function requireUser(deps: GuardDeps) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request);
    if (!token) throw errors.unauthenticated();
    request.principal = await resolvePrincipal(deps, token);
  };
}

/** onRequest hook for routes that accept, but do not need, an access token. */
export function optionalUser(deps: GuardDeps) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request);
    request.principal = token ? await resolvePrincipal(deps, token) : null;
  };
}
