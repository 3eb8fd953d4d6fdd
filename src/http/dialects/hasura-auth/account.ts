import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { SignInResult } from '../../../core/auth/service.js';
import { AppError } from '../../../core/errors.js';
import { withFragment, withParams } from '../../../core/urls.js';
import type { Services } from '../../../services.js';
import { clientInfo } from '../../client.js';
import { mailLimits } from '../../native/auth/mail-limits.js';
import { optionalUser, requireUser } from '../../plugins/auth-guard.js';
import type { App } from '../../types.js';
import type { HasuraAuthConfig } from './config.js';
import { refuseAnonymous } from './anonymous.js';
import { hasuraErrors, hasuraWire } from './envelope.js';
import { allowedRedirect, hasuraLinks, splitMagicTicket, VERIFY_TYPES, type VerifyType } from './links.js';
import { replies, sendOk } from './reply.js';
import { Email, Ok, Password, RedirectOptions, tags } from './schemas.js';

const bodyField = (name: string) => (r: FastifyRequest) => (r.body as Record<string, unknown> | undefined)?.[name];

/** Password change and reset, email verification and change, and the `/verify` links the mails carry. */
export function registerAccountRoutes(app: App, s: Services, config: HasuraAuthConfig) {
  const links = (redirectTo: string | undefined) =>
    hasuraLinks(s.config, config.mount, allowedRedirect(s.config, redirectTo));
  const mailByEmail = mailLimits(s, bodyField('email'));
  const mailByNewEmail = mailLimits(s, bodyField('newEmail'));
  const MailBody = Type.Object({ email: Email, options: Type.Optional(RedirectOptions) });

  app.post(
    '/user/password',
    {
      schema: {
        tags,
        summary: 'Set a new password: with the ticket of a reset mail, or signed in (a fresh proof of identity)',
        body: Type.Object({ newPassword: Password, ticket: Type.Optional(Type.String({ maxLength: 256 })) }),
        response: replies({ 200: Ok }, 400, 401, 403, 409),
      },
      onRequest: optionalUser(s),
      preHandler: refuseAnonymous,
    },
    async (request, reply) => {
      const { newPassword, ticket } = request.body;
      if (ticket) await s.lifecycle.resetPassword(ticket, newPassword);
      else if (request.principal)
        await s.auth.setPasswordWhenProven({ caller: request.principal, newPassword, client: clientInfo(request) });
      else throw hasuraErrors.invalidRequest();
      return sendOk(reply);
    },
  );

  app.post(
    '/user/password/reset',
    {
      schema: {
        tags,
        summary: 'Mail a password-reset link (the same answer whether or not the address has an account)',
        body: MailBody,
        response: replies({ 200: Ok }, 400, 429),
      },
      preHandler: mailByEmail,
    },
    async (request, reply) => {
      const mailLinks = links(request.body.options?.redirectTo);
      s.background.run(() => s.lifecycle.requestPasswordReset(request.body.email, mailLinks));
      return sendOk(reply);
    },
  );

  app.post(
    '/user/email/send-verification-email',
    {
      schema: {
        tags,
        summary: 'Mail the verification link again to an address not yet verified (same answer for any address)',
        body: MailBody,
        response: replies({ 200: Ok }, 400, 429),
      },
      preHandler: mailByEmail,
    },
    async (request, reply) => {
      const mailLinks = links(request.body.options?.redirectTo);
      s.background.run(() => s.lifecycle.sendVerification(request.body.email, mailLinks));
      return sendOk(reply);
    },
  );

  app.post(
    '/user/email/change',
    {
      schema: {
        tags,
        summary: 'Change the address: a confirmation link to the new one (VERIFY_EMAILS), else at once',
        security: [{ bearer: [] }],
        body: Type.Object({ newEmail: Email, options: Type.Optional(RedirectOptions) }),
        response: replies({ 200: Ok }, 400, 401, 403, 409, 429),
      },
      onRequest: requireUser(s),
      preHandler: [refuseAnonymous, async (request) => s.reauth.requireFresh(request.principal!), mailByNewEmail],
    },
    async (request, reply) => {
      const { userId, sessionId } = request.principal!;
      const { newEmail, options } = request.body;
      if (s.config.lifecycle.verifyEmails)
        await s.lifecycle.requestEmailChange(userId, newEmail, links(options?.redirectTo));
      else await s.lifecycle.changeEmail(userId, newEmail, sessionId);
      return sendOk(reply);
    },
  );

  app.get(
    '/verify',
    {
      schema: {
        tags,
        summary: 'Uses a mailed ticket, then redirects to redirectTo with refreshToken (HASURA_AUTH_REDIRECT_TOKEN_IN)',
        querystring: Type.Object({
          ticket: Type.String({ minLength: 1, maxLength: 256 }),
          type: Type.Optional(Type.Union(VERIFY_TYPES.map((t) => Type.Literal(t)))),
          redirectTo: Type.Optional(Type.String({ maxLength: 2048 })),
        }),
        response: replies({ 302: Type.Null({ description: 'To redirectTo' }) }, 400),
      },
    },
    async (request, reply) => {
      const { ticket, type = 'emailVerify' } = request.query;
      const target = allowedRedirect(s.config, request.query.redirectTo);
      const client = clientInfo(request);
      const signIn = async (flow: Promise<SignInResult>): Promise<Record<string, string>> => {
        const result = await flow;
        if (result.kind === 'mfa') throw hasuraErrors.mfaRequired();
        return { refreshToken: result.session.refreshToken };
      };
      const flows: Record<VerifyType, () => Promise<Record<string, string>>> = {
        emailVerify: () => signIn(s.lifecycle.activate(ticket, client)),
        signinPasswordless: () => {
          const { action, token } = splitMagicTicket(ticket);
          return signIn(s.lifecycle.useMagicLink(token, action, client));
        },
        emailConfirmChange: async () => {
          await s.lifecycle.confirmEmailChange(ticket);
          return {};
        },
        // The ticket is used with the new password (POST /user/password {ticket, newPassword}): a mailed
        // link alone opens no session.
        passwordReset: async () => ({ ticket }),
      };
      try {
        const params = await flows[type]();
        const carry = config.redirectTokenIn === 'fragment' ? withFragment : withParams;
        return reply.redirect(carry(target, { ...params, type }), 302);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        const [, error, errorDescription] = hasuraWire(err);
        return reply.redirect(withParams(target, { error, errorDescription: errorDescription ?? error }), 302);
      }
    },
  );
}
