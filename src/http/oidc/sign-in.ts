import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { LoginForm } from '../../core/oidc/interactions.js';
import type { User } from '../../core/users/service.js';
import type { Services } from '../../services.js';
import { clientInfo } from '../client.js';
import { cookieWriteAllowed } from '../plugins/cookie-origin.js';
import { setSsoCookie } from './sso-cookie.js';
import {
  loginPage,
  messagePage,
  PAGE_CSP,
  SCRIPT_PAGE_CSP,
  secondFactorPage,
  type LoginView,
  type SecondFactorView,
} from './views.js';

/** Sends one HTML page with the pages' headers (`scripts`: it loads this server's own scripts). */
export function sendPage(reply: FastifyReply, status: number, html: string, scripts = false) {
  return reply
    .code(status)
    .headers({
      'content-security-policy': scripts ? SCRIPT_PAGE_CSP : PAGE_CSP,
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

type Body = Partial<Record<keyof LoginForm | 'ticket' | 'code', unknown>>;
const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 1024) : '');

const formOf = (body: unknown): LoginForm => {
  const b = (body ?? {}) as Body;
  return { identifier: str(b.identifier), password: str(b.password), realm: str(b.realm) };
};

type Outcome = Awaited<ReturnType<Services['oidc']['interactions']['login']>>;
/** A finished sign-in: its user, how they proved it, and the value of the single sign-on cookie just set. */
export type Signed = { user: User; amr: string[]; sso: string };

/** The second step's page: the first step's ticket (hidden) and the code. */
async function secondStep(reply: FastifyReply, status: number, view: SecondFactorView): Promise<undefined> {
  await sendPage(reply, status, secondFactorPage(view), view.methods.includes('webauthn'));
  return undefined;
}

/**
 * The password form's post, for the provider's interactions and for forward-auth's sign-in: the one
 * pipeline, then (an account with a second factor) the second step's page posting to `mfaAction`, or the
 * single sign-on session and its cookie. Answers the user, or undefined when the page was already answered
 * (wrong password, second step, rate limited).
 */
export async function signInWithForm(
  request: FastifyRequest,
  reply: FastifyReply,
  s: Services,
  view: Omit<LoginView, 'identifier' | 'error' | 'realm'> & {
    mfaAction: string;
    passkey: SecondFactorView['passkey'];
  },
): Promise<Signed | undefined> {
  const form = formOf(request.body);
  const again = async (status: number, error: string | undefined) => {
    await sendPage(reply, status, loginPage({ ...view, identifier: form.identifier, error, realm: form.realm }));
    return undefined;
  };
  let outcome: Outcome;
  try {
    outcome = await s.oidc.interactions.login(form, clientInfo(request));
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    if (err.status === 429) reply.headers(err.headers);
    return again(err.status, err.message);
  }
  if (outcome.kind === 'second-factor')
    return secondStep(reply, 401, { action: view.mfaAction, purpose: view.purpose, passkey: view.passkey, ...outcome });
  return opened(request, reply, s, outcome);
}

/** The second step's post (ticket and code): then the single sign-on session, as after a password. */
export async function secondStepWithForm(
  request: FastifyRequest,
  reply: FastifyReply,
  s: Services,
  view: Pick<SecondFactorView, 'action' | 'purpose' | 'passkey'>,
): Promise<Signed | undefined> {
  const b = (request.body ?? {}) as Body;
  const ticket = str(b.ticket);
  let outcome: Outcome;
  try {
    const proof = { method: 'totp' as const, code: str(b.code) };
    outcome = await s.oidc.interactions.secondStep(ticket, proof, clientInfo(request));
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    if (err.status === 429) reply.headers(err.headers);
    // A wrong code may be tried again on the same ticket (until its tries run out: then it is void).
    // The page offers again what the ticket's user has (read from the account: the form carries no list of them).
    const methods = err.code === 'invalid-mfa-code' ? await s.oidc.interactions.methodsOf(ticket) : [];
    if (!methods.length) return again();
    return secondStep(reply, err.status, { ...view, ticket, methods, error: err.message });
  }
  return opened(request, reply, s, outcome);

  async function again() {
    const text = 'This sign-in has expired. Go back to the application and start again.';
    await sendPage(reply, 400, messagePage('Sign-in expired', text));
    return undefined;
  }
}

async function opened(request: FastifyRequest, reply: FastifyReply, s: Services, outcome: Outcome) {
  if (outcome.kind !== 'signed-in') return undefined;
  const session = await s.oidc.interactions.openSso(outcome.user, clientInfo(request));
  const sso = setSsoCookie(reply, s.config, { userId: outcome.user.id, ...session });
  return { user: outcome.user, amr: outcome.amr, sso };
}
