import type { FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import { authorizationOf, bearerOf } from '../authorization.js';
import { readPermissionCookie } from '../native/auth/permission-cookie.js';
import { cookieWriteAllowed } from './cookie-origin.js';
import type { SessionRegistry } from '../../core/sessions/registry.js';
import type { AccessClaims } from '../../core/tokens/access-tokens.js';
import type { CoreKinds } from '../../core/credentials/core-kinds.js';
import type { Credentials } from '../../core/credentials/service.js';
import type { User } from '../../core/users/service.js';

/** A caller proven by a live access token: its claims, and the user as the session registry last saw them. */
export type Principal = AccessClaims & { user: User };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface GuardDeps {
  credentials: Pick<Credentials, 'resolve'>;
  kinds: Pick<CoreKinds, 'accessJwt'>;
  sessions: Pick<SessionRegistry, 'check' | 'seen'>;
  /** Origins whose pages may write with a cookie: SERVER_URL's and CORS_ORIGINS. */
  config: { cors: { origins: readonly string[] } };
}

/** The bearer token of the Authorization header, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  if (!authorizationOf(request)) return undefined;
  const token = bearerOf(request);
  if (!token) throw errors.unauthenticated('The Authorization header must be "Bearer <token>"');
  return token;
}

/**
 * Resolves an access token (the `access-jwt` kind) through the core: its signature, then whether its user
 * may still act and its session still lives. A deleted, disabled or banned user, or an ended session, is
 * refused here, so no handler ever sees them.
 */
export async function resolvePrincipal(deps: GuardDeps, token: string): Promise<Principal> {
  const resolved = await deps.credentials.resolve(deps.kinds.accessJwt, token);
  if (!resolved.ok) throw errors.invalidToken();
  const { claims, user } = resolved;
  return {
    userId: claims.userId,
    defaultRole: claims.defaultRole,
    allowedRoles: claims.allowedRoles,
    tokenId: claims.tokenId,
    sessionId: claims.sessionId,
    expiresAt: claims.expiresAt,
    user,
  };
}

/**
 * HBP cookie mode: without an Authorization header, the signed permission_variables cookie stands in for the
 * access token while its session lives; state-changing requests must come from an allowed origin (CSRF).
 */
export async function cookiePrincipal(deps: GuardDeps, request: FastifyRequest): Promise<Principal | undefined> {
  const vars = readPermissionCookie(request);
  if (!vars || !cookieWriteAllowed(request, deps.config.cors.origins)) return undefined;
  const user = await deps.sessions.check(vars['user-id'], vars['session-id']);
  await deps.sessions.seen(user.id, vars['session-id']);
  return {
    userId: user.id,
    defaultRole: user.defaultRole,
    allowedRoles: user.roles,
    tokenId: `cookie:${vars['session-id']}`,
    sessionId: vars['session-id'],
    expiresAt: 0,
    user,
  };
}

/** onRequest hook for routes that need a signed-in user: runs before the body is even read. */
export function requireUser(deps: GuardDeps) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request);
    const principal = token ? await resolvePrincipal(deps, token) : await cookiePrincipal(deps, request);
    if (!principal) throw errors.unauthenticated();
    request.principal = principal;
  };
}

/** onRequest hook for routes that accept, but do not need, an access token. */
export function optionalUser(deps: GuardDeps) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request);
    // A stale or cross-site cookie makes an optional route anonymous, not an error.
    request.principal = token
      ? await resolvePrincipal(deps, token)
      : ((await cookiePrincipal(deps, request).catch(() => undefined)) ?? null);
  };
}
