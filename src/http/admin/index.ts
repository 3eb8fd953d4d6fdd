import type { FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import { safeEqual } from '../../core/hash.js';
import type { Services } from '../../services.js';
import { bearerToken, resolvePrincipal } from '../plugins/auth-guard.js';
import type { App } from '../types.js';
import { adminDirectoryRoutes } from './directory.js';
import { adminSessionRoutes } from './sessions.js';
import { adminUserRoutes } from './users.js';
import { adminUserActionRoutes } from './user-actions.js';
import { registerDirectoryRoutes } from './directories.js';
import { consoleSupport } from './console-support.js';
import { registerAuditRoutes } from './audit.js';
import { registerKeyRoutes } from './keys.js';
import { registerStorageRoutes } from './storage.js';
import { registerSignInSourceRoutes } from './sign-in-sources.js';
import { registerPasskeyAdminRoutes } from './passkeys.js';
import { registerOidcClientRoutes } from './oidc-clients.js';

/**
 * The admin API: for the x-admin-secret header, or a live session of a user who has the admin
 * role now (read through the session registry: a disabled or demoted admin is refused at once).
 */
export async function adminApi(app: App, s: Services) {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const secret = request.headers['x-admin-secret'];
    if (s.config.storage.adminSecret && typeof secret === 'string' && safeEqual(secret, s.config.storage.adminSecret))
      return;
    const token = bearerToken(request);
    if (!token) throw errors.unauthenticated();
    request.principal = await resolvePrincipal(s, token);
    if (!request.principal.user.roles.includes('admin')) throw errors.forbidden('The admin API needs the admin role');
  });
  adminUserRoutes(app, s);
  adminUserActionRoutes(app, s);
  adminSessionRoutes(app, s);
  adminDirectoryRoutes(app, s);
  registerDirectoryRoutes(app, s);
  await consoleSupport(app, s);
  registerAuditRoutes(app, s);
  registerKeyRoutes(app, s);
  registerStorageRoutes(app, s);
  registerSignInSourceRoutes(app, s);
  registerPasskeyAdminRoutes(app, s);
  registerOidcClientRoutes(app, s);
}
