import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { forwardRoutes } from './forward.js';
import { interactionRoutes } from './interactions.js';
import { mountProvider } from './mount.js';

/** The identity provider's doors: OpenID Connect (OIDC_ENABLED) and forward-auth (FORWARD_AUTH_ENABLED). */
export async function registerIdentityProvider(app: FastifyInstance, s: Services) {
  const { provider } = s.oidc;
  if (provider) {
    const https = s.config.server.url.startsWith('https:');
    await app.register(async (scope) => mountProvider(scope, provider, https));
    await app.register(async (scope) => interactionRoutes(scope, s));
  }
  if (s.config.idp.forward.enabled) await app.register(async (scope) => forwardRoutes(scope, s));
}
