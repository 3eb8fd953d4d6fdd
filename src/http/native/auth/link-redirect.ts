import type { FastifyReply } from 'fastify';
import type { Config } from '../../../config/load.js';
import type { SignInResult } from '../../../core/auth/service.js';
import { AppError } from '../../../core/errors.js';
import { withFragment, withParams } from '../../../core/urls.js';
import { sessionBody } from './session-reply.js';

/**
 * Ends a link flow (activation, magic link) with a 302 to REDIRECT_URL_SUCCESS carrying the
 * refresh token (in the query or fragment, `tokenIn`; keeping the URL's own query; `tokenParam` names it,
 * `refresh_token` for HBP),
 * to REDIRECT_URL_ERROR on failure.
 */
export async function redirectAfterLink(
  reply: FastifyReply,
  config: Config,
  cookieMode: boolean,
  flow: () => Promise<SignInResult>,
  successUrl?: string,
  tokenParam = 'refresh_token',
  tokenIn = config.lifecycle.redirectTokenIn,
) {
  const { redirectError } = config.lifecycle;
  // A provider sign-in may name its own target, checked against the allow-list when it started.
  const redirectSuccess = successUrl ?? config.lifecycle.redirectSuccess;
  const add = tokenIn === 'fragment' ? withFragment : withParams;
  let result: SignInResult;
  try {
    result = await flow();
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    return reply.redirect(withParams(redirectError, { error: err.code }), 302);
  }
  if (result.kind === 'mfa') {
    // `methods` when a passkey may finish it (POST /auth/webauthn/second-factor/…), as /auth/login answers.
    const methods: Record<string, string> = result.methods?.includes('webauthn')
      ? { methods: result.methods.join(',') }
      : {};
    return reply.redirect(add(redirectSuccess, { mfa: 'true', ticket: result.mfaTicket, ...methods }), 302);
  }
  if (cookieMode) {
    sessionBody(reply, config.cookies, result.session, true);
    return reply.redirect(redirectSuccess, 302);
  }
  return reply.redirect(add(redirectSuccess, { [tokenParam]: result.session.refreshToken }), 302);
}
