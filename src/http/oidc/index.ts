import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import { forwardRoutes } from './forward.js';
import { interactionRoutes } from './interactions.js';
import { rateLimit } from '../plugins/rate-limit.js';
import { mountProvider } from './mount.js';
import { passkeyScriptRoutes } from './passkey-step.js';
import { ssoClearHeader, ssoCookie } from './sso-cookie.js';
import { upstreamRoutes } from './upstream.js';

/** The identity provider's doors: OpenID Connect (OIDC_ENABLED) and forward-auth (FORWARD_AUTH_ENABLED). */
export async function registerIdentityProvider(app: FastifyInstance, s: Services) {
  const { live } = s.oidc;
  if (live) {
    app.addHook('onClose', async () => s.oidc.backchannel?.drain());
    const signedOut = (request: FastifyRequest) => {
      const value = ssoCookie(request);
      if (!value) return undefined;
      void s.oidc.interactions.endSso(value).catch((err) => request.log.warn({ err }, 'ending the SSO session failed'));
      return ssoClearHeader(s.config);
    };
    const { browser } = s.oidc;
    // A device's user code is guessed on the page where it is entered: as many tries per IP as sign-ins.
    const { authPerIp, windowSeconds } = s.config.rateLimit;
    const userCodeLimit = rateLimit(s.limits, [
      { name: 'device-user-code-ip', max: authPerIp, windowSeconds, key: (r) => r.ip },
    ]);
    await app.register(async (scope) =>
      mountProvider(scope, live, {
        issuer: s.config.server.url,
        browser,
        sso: ssoCookie,
        signedOut,
        userCodeLimit,
      }),
    );
    await app.register(async (scope) => interactionRoutes(scope, s));
  }
  if (s.config.idp.forward.enabled) await app.register(async (scope) => forwardRoutes(scope, s));
  // What the provider's sign-in page and forward-auth's share: the second step's scripts, a provider sign-in's end.
  if (live || s.config.idp.forward.enabled) {
    await app.register(async (scope) => passkeyScriptRoutes(scope));
    await app.register(async (scope) => upstreamRoutes(scope, s));
  }
}
