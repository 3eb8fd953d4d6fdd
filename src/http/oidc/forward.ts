import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import { allowedReturn, hostOf, hostOfUrl, mayPass } from '../../core/oidc/forward.js';
import type { Services } from '../../services.js';
import { hiddenRoute, NoContent, responses } from '../schemas.js';
import { refuseForeignPost, secondStepWithForm, sendPage, signInWithForm } from './sign-in.js';
import { clearSsoCookie, ssoCookie } from './sso-cookie.js';
import { loginChoices } from './upstream.js';
import { passkeyStepRoutes } from './passkey-step.js';
import { loginPage, messagePage, signedInPage } from './views.js';

const Identity = Type.Object({ id: Type.String(), email: Type.String(), roles: Type.Array(Type.String()) });
const header = (request: FastifyRequest, name: string) => {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/** The URL the browser asked the proxy for: `X-Original-URL` (nginx), or `X-Forwarded-Proto/Host/Uri`. */
function originalUrl(request: FastifyRequest): string | undefined {
  const original = header(request, 'x-original-url');
  if (original) return original;
  const host = header(request, 'x-forwarded-host');
  if (!host) return undefined;
  const proto = header(request, 'x-forwarded-proto') ?? 'https';
  return `${proto.split(',')[0]}://${host.split(',')[0]}${header(request, 'x-forwarded-uri') ?? '/'}`;
}

/**
 * Every host the request names, each of which the role rules must admit: the proxy sets one of `X-Original-URL`
 * (nginx) and `X-Forwarded-Host` (Traefik, Caddy), and passes the other on as the client sent it, so trusting either
 * one first let a forged header name an open host. A value that names no readable host (junk) is `null`, and so is
 * a request that names none (a proxy set up without the headers): it could be for any, refused where rules exist.
 */
function namedHosts(request: FastifyRequest): (string | null)[] {
  const forwarded = header(request, 'x-forwarded-host');
  const original = header(request, 'x-original-url');
  const hosts = [
    ...(forwarded?.trim() ? forwarded.split(',').map((value) => hostOf(value) ?? null) : []),
    ...(original ? [hostOfUrl(original) ?? null] : []),
  ];
  return hosts.length ? hosts : [null];
}

/**
 * Forward-auth for nginx `auth_request`, Traefik `ForwardAuth` and Caddy `forward_auth`. The single sign-on
 * cookie is the credential: it names a Gatehouse session, so every revocation ends it here too.
 */
export async function forwardRoutes(app: FastifyInstance, s: Services) {
  const { forward } = s.config.idp;
  const signIn = '/auth/forward/signin';
  const signOut = '/auth/forward/signout';
  const prefix = forward.headerPrefix;

  const schema = {
    tags: ['forward-auth'],
    summary: '200 with identity headers for a signed-in browser; 401 (or 302 to sign-in with ?redirect=true), 403',
    querystring: Type.Object({ redirect: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }),
    response: responses({ 200: Identity, 302: NoContent }, 401, 403),
  };
  app.get<{ Querystring: { redirect?: 'true' | 'false' } }>('/auth/forward', { schema }, async (request, reply) => {
    const user = await s.oidc.interactions.checkSso(ssoCookie(request));
    const target = originalUrl(request);
    if (!user) {
      const back = allowedReturn(target, forward, s.config.server.url);
      if (request.query.redirect === 'true' && back)
        return reply
          .code(302)
          .header('location', `${s.config.server.url}${signIn}?rd=${encodeURIComponent(back)}`)
          .send();
      throw errors.unauthenticated();
    }
    if (!namedHosts(request).every((host) => mayPass(user, host, forward)))
      throw errors.forbidden('Your roles do not admit you here');
    reply.headers({
      [`${prefix}User`]: user.username ?? user.id,
      [`${prefix}Email`]: user.email,
      [`${prefix}Groups`]: user.roles.join(','),
      [`${prefix}Name`]: encodeURIComponent(user.displayName ?? ''),
      [`${prefix}Id`]: user.id,
    });
    return { id: user.id, email: user.email, roles: user.roles };
  });

  await app.register(async (form) => {
    await form.register(formbody);
    /** The return address the proxy gave (`?rd=`), as sent; `backTo` says whether it may be gone back to. */
    const rdOf = (request: FastifyRequest) => {
      const { rd } = request.query as { rd?: unknown };
      return typeof rd === 'string' ? rd : undefined;
    };
    const backTo = (rd: string | undefined) => allowedReturn(rd, forward, s.config.server.url);
    const action = (rd: string | undefined, step = '') =>
      `${signIn}${step}${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`;
    /** A signed-in browser goes back where it came from, or is told so where there is nowhere to go back to. */
    const signedIn = (reply: FastifyReply, rd: string | undefined) => {
      const back = backTo(rd);
      if (back) return reply.code(303).header('location', back).send();
      return sendPage(reply, 200, signedInPage(signOut));
    };
    // The passkey's second step (the page's script); a finished sign-in goes back to `rd`, else to this page.
    const passkey = (rd: string | undefined) => ({
      options: action(rd, '/mfa/passkey/options'),
      verify: action(rd, '/mfa/passkey/verify'),
    });
    passkeyStepRoutes(form, s, `${signIn}/mfa/passkey`, async (request) => {
      const back = backTo(rdOf(request)) ?? signIn;
      return async () => back;
    });
    form.get(signIn, hiddenRoute(200, 303), async (request, reply) => {
      const rd = rdOf(request);
      // Already signed in (a provider sign-in or the passkey step just finished, or another tab).
      if (await s.oidc.interactions.checkSso(ssoCookie(request))) return signedIn(reply, rd);
      const to = action(rd);
      return sendPage(reply, 200, loginPage({ action: to, ...(await loginChoices(s, to)) }));
    });
    form.post(signIn, hiddenRoute(200, 303, 401, 403, 429), async (request, reply) => {
      if (refuseForeignPost(request, reply, s)) return reply;
      const rd = rdOf(request);
      const done = await signInWithForm(request, reply, s, {
        action: action(rd),
        mfaAction: action(rd, '/mfa'),
        passkey: passkey(rd),
        ...(await loginChoices(s, action(rd))),
      });
      return done ? signedIn(reply, rd) : reply;
    });
    form.post(`${signIn}/mfa`, hiddenRoute(200, 303, 400, 401, 403), async (request, reply) => {
      if (refuseForeignPost(request, reply, s)) return reply;
      const rd = rdOf(request);
      const done = await secondStepWithForm(request, reply, s, { action: action(rd, '/mfa'), passkey: passkey(rd) });
      return done ? signedIn(reply, rd) : reply;
    });
    form.post(signOut, hiddenRoute(200, 403), async (request, reply) => {
      if (refuseForeignPost(request, reply, s)) return reply;
      await s.oidc.interactions.endSso(ssoCookie(request));
      clearSsoCookie(reply, s.config);
      return sendPage(reply, 200, messagePage('Signed out', 'You are signed out.'));
    });
  });
}
