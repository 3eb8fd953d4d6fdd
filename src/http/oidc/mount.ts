import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OIDC_PREFIX } from '../../core/oidc/provider.js';
import type { BrowserContext } from '../../core/oidc/browser.js';
import type { LiveProvider } from '../../core/oidc/live-provider.js';
import type { OidcProvider } from '../../core/oidc/types.js';
import { hiddenRoute } from '../schemas.js';

/** Headers of every provider answer (its own pages set their CSP themselves: form_post needs a script). */
const HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * The endpoints a browser visits (authorization and its resume, sign-out, the device page): there the provider's
 * session is judged by this browser's single sign-on cookie. A relying party's calls (token, userinfo…) have none.
 */
const BROWSER_PATHS = new RegExp(`^${OIDC_PREFIX}/(auth([/?]|$)|session/end|device(?!/auth)([/?]|$))`);

/** The device flow's page where a user code is entered and confirmed (not the client's `/device/auth`). */
const USER_CODE_PATH = new RegExp(`^${OIDC_PREFIX}/device(/confirm)?([?]|$)`);

/**
 * What oidc-provider reads of a request it is handed (here, and by the interaction pages): it builds its URLs
 * (discovery's endpoints, the resume redirect) from the request's host and protocol, and marks its cookies Secure by
 * the protocol, so both are the issuer's, whatever a request names (a forged Host or X-Forwarded-Host published
 * endpoints on another site; behind a TLS-terminating proxy its cookies lost Secure); the client's address is the one
 * Fastify read (TRUST_PROXY). oidc-provider trusts these headers (`proxy`): they are set here, never the client's.
 */
export function asIssuerSees(request: FastifyRequest, issuer: URL): void {
  request.raw.headers.host = issuer.host;
  request.raw.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
  request.raw.headers['x-forwarded-for'] = request.ip;
  delete request.raw.headers['x-forwarded-host'];
}

/**
 * oidc-provider's Node handler inside Fastify: discovery at the issuer's `/.well-known/openid-configuration`,
 * every endpoint under `/oidc`. The body is left unread (oidc-provider parses it), and the reply is handed over.
 */
export function mountProvider(
  app: FastifyInstance,
  live: LiveProvider,
  o: {
    /** SERVER_URL, the issuer: every URL the provider builds is under it (HSTS on its answers when https). */
    issuer: string;
    browser: BrowserContext;
    sso: (request: FastifyRequest) => string | undefined;
    signedOut: (request: FastifyRequest) => string | undefined;
    /** Counts a post of a user code (RFC 8628 5.1: guessing one is limited); throws 429 once exhausted. */
    userCodeLimit: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  },
) {
  const handlers = new WeakMap<OidcProvider, ReturnType<OidcProvider['callback']>>();
  const requests = new WeakMap<IncomingMessage, FastifyRequest>();
  // RP-initiated logout, when the user signs out of everything: the single sign-on session ends too.
  live.each((provider) => handlers.set(provider, provider.callback()));
  live.each((provider) =>
    provider.on('end_session.success', (...args: unknown[]) => {
      const ctx = args[0] as {
        req: IncomingMessage;
        oidc: { params: { logout?: string } };
        append(n: string, v: string): void;
      };
      const request = requests.get(ctx.req);
      if (!request || !ctx.oidc.params.logout) return;
      const clear = o.signedOut(request);
      if (clear) ctx.append('set-cookie', clear);
    }),
  );
  const issuer = new URL(o.issuer);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // The provider of the ring's live keys; its storage judges the browser session by this browser's cookie.
  const hand = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'POST' && USER_CODE_PATH.test(request.url)) await o.userCodeLimit(request, reply);
    const provider = await live.current();
    const handler = handlers.get(provider) ?? provider.callback();
    reply.hijack();
    requests.set(request.raw, request);
    asIssuerSees(request, issuer);
    for (const [name, value] of Object.entries(HEADERS)) reply.raw.setHeader(name, value);
    if (issuer.protocol === 'https:') reply.raw.setHeader('strict-transport-security', 'max-age=31536000');
    if (BROWSER_PATHS.test(request.url)) o.browser.run(o.sso(request), () => handler(request.raw, reply.raw));
    else handler(request.raw, reply.raw);
  };
  // Whatever oidc-provider answers: its pages and documents, redirects, its OAuth errors (400, 401, 403), no route;
  // 429 from the user codes' limit.
  const answers = [200, 204, 302, 303, 400, 401, 403, 404, 413, 429];
  app.all('/.well-known/openid-configuration', hiddenRoute(...answers), hand);
  app.all(`${OIDC_PREFIX}/*`, hiddenRoute(...answers), hand);
}
