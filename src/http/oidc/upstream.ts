import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { clientInfo } from '../client.js';
import { hiddenRoute } from '../schemas.js';
import { clearRefreshCookie, refreshCookie } from '../native/auth/session-reply.js';
import { sendPage } from './sign-in.js';
import { setSsoCookie } from './sso-cookie.js';
import { messagePage } from './views.js';

const DONE = '/auth/sso/provider-done';
/** Where a provider sign-in may continue: the provider's interactions and forward-auth's sign-in, on this server. */
const NEXT = /^\/(oidc\/interaction\/[A-Za-z0-9_-]+|auth\/forward\/signin(\?rd=[^#]*)?)$/;

/** The sign-in page's buttons for the upstream providers (AUTH_PROVIDER_*), when the HBP routes serve them. */
export function upstreamLinks(s: Services, next: string): { label: string; href: string }[] {
  if (!s.config.dialects.includes('hbp')) return [];
  const done = `${s.config.server.url}${DONE}?next=${encodeURIComponent(next)}`;
  return s.config.federation.providers.map((p) => ({
    label: p.name === 'oidc' ? 'single sign-on' : p.name.charAt(0).toUpperCase() + p.name.slice(1),
    href: `/auth/providers/${p.name}?cookie=true&redirect_url=${encodeURIComponent(done)}`,
  }));
}

/** What the sign-in page offers besides the password: the upstream providers and the realms to choose from. */
export async function loginChoices(s: Services, next: string) {
  const realms = (await s.realms.list()).map((r) => r.name).filter((name) => name !== 'default');
  return { providers: upstreamLinks(s, next), realms };
}

/**
 * The end of a provider sign-in started from the sign-in page: the provider flow (`/auth/providers/…`, cookie
 * mode) left a refresh-token cookie for this path. Its session only carried the sign-in here: it ends, and the
 * browser's single sign-on session opens instead; then the interaction goes on, and signs in with it.
 */
export function upstreamRoutes(app: FastifyInstance, s: Services) {
  app.get<{ Querystring: { next?: string } }>(DONE, hiddenRoute(303, 401), async (request, reply) => {
    const next = typeof request.query.next === 'string' && NEXT.test(request.query.next) ? request.query.next : '/';
    const token = refreshCookie(request);
    const found = token ? await s.refreshTokens.identify(token) : undefined;
    const user = found && (await s.sessions.check(found.userId, found.familyId).catch(() => undefined));
    clearRefreshCookie(reply, s.config.cookies);
    if (!found || !user)
      return sendPage(reply, 401, messagePage('Sign-in failed', 'The sign-in with the provider did not finish.'));
    await s.sessions.revoke(found.familyId, { userId: user.id, actor: { kind: 'user', id: user.id } });
    const session = await s.oidc.interactions.openSso(user, clientInfo(request));
    setSsoCookie(reply, s.config, { userId: user.id, ...session });
    return reply.code(303).header('location', next).send();
  });
}
