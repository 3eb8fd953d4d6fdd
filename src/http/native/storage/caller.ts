import type { FastifyRequest } from 'fastify';
import { safeEqual } from '../../../core/hash.js';
import type { StorageCaller } from '../../../storage/service.js';
import { bearerToken, cookiePrincipal, resolvePrincipal, type GuardDeps } from '../../plugins/auth-guard.js';

/** Who is calling the storage API: anonymous, a user (bearer token), or an admin (admin role or x-admin-secret). */
export async function storageCaller(
  request: FastifyRequest,
  guard: GuardDeps,
  adminSecret: string | undefined,
): Promise<StorageCaller> {
  const secret = request.headers['x-admin-secret'];
  const bySecret = adminSecret !== undefined && typeof secret === 'string' && safeEqual(secret, adminSecret);
  const token = bearerToken(request);
  // In cookie mode a stale cookie (or a cross-site write) counts as no sign-in: the rules then decide.
  const claims = token
    ? await resolvePrincipal(guard, token)
    : await cookiePrincipal(guard, request).catch(() => undefined);
  // Roles of the live user (the session check's, within SESSION_CHECK_CACHE_MS), never the token's claims:
  // a demoted admin's unexpired access token must not keep admin rights over every file.
  const roles = claims?.user.roles ?? [];
  return { userId: claims?.userId, roles, admin: bySecret || roles.includes('admin') };
}
