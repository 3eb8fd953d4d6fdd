import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { LoginForm } from '../../core/oidc/interactions.js';
import type { User } from '../../core/users/service.js';
import type { Services } from '../../services.js';
import { clientInfo } from '../client.js';
import { cookieWriteAllowed } from '../plugins/cookie-origin.js';
import { setSsoCookie } from './sso-cookie.js';
import { loginPage, messagePage, PAGE_CSP, type LoginView } from './views.js';

/** Sends one HTML page with the pages' headers. */
export function sendPage(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .headers({
      'content-security-policy': PAGE_CSP,
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
    })
    .type('text/html; charset=utf-8')
    .send(html);
}

/** A form post from another origin (CSRF): refused before anything is read. */
export function refuseForeignPost(request: FastifyRequest, reply: FastifyReply, s: Services): boolean {
  if (cookieWriteAllowed(request, [new URL(s.config.server.url).origin])) return false;
  void sendPage(reply, 403, messagePage('Refused', 'This form was sent from another site.'));
  return true;
}

type Body = Partial<Record<keyof LoginForm, unknown>>;

const formOf = (body: unknown): LoginForm => {
  const b = (body ?? {}) as Body;
  const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 1024) : '');
  return { identifier: str(b.identifier), password: str(b.password), code: str(b.code), realm: str(b.realm) };
};

/**
 * The password form's post, for the provider's interactions and for forward-auth's sign-in: the one
 * pipeline, then the single sign-on session and its cookie. Answers the user, or undefined when the
 * page was already answered (wrong password, second factor needed, rate limited).
 */
export async function signInWithForm(
  request: FastifyRequest,
  reply: FastifyReply,
  s: Services,
  view: Omit<LoginView, 'identifier' | 'askCode' | 'error' | 'realm'>,
): Promise<{ user: User; amr: string[] } | undefined> {
  const form = formOf(request.body);
  const again = async (status: number, error: string | undefined, askCode = false) => {
    const page = loginPage({ ...view, identifier: form.identifier, askCode, error, realm: form.realm });
    await sendPage(reply, status, page);
    return undefined;
  };
  let outcome: Awaited<ReturnType<Services['oidc']['interactions']['login']>>;
  try {
    outcome = await s.oidc.interactions.login(form, clientInfo(request));
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    if (err.status === 429) reply.headers(err.headers);
    return again(err.status, err.message, err.code === 'invalid-mfa-code');
  }
  if (outcome.kind === 'code-required') return again(401, undefined, true);
  const session = await s.oidc.interactions.openSso(outcome.user, clientInfo(request));
  setSsoCookie(reply, s.config, { userId: outcome.user.id, ...session });
  return { user: outcome.user, amr: outcome.amr };
}
