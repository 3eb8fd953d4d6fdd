import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { resolveRegistration } from '../../../core/users/registration.js';
import type { Services } from '../../../services.js';
import { clientInfo } from '../../client.js';
import { authLimits } from '../../native/auth/limits.js';
import { mailLimits } from '../../native/auth/mail-limits.js';
import type { App } from '../../types.js';
import type { HasuraAuthConfig } from './config.js';
import { hasuraErrors } from './envelope.js';
import { allowedRedirect, hasuraLinks } from './links.js';
import { hasuraSession } from './present.js';
import { replies, sendOk } from './reply.js';
import { Email, Ok, SessionPayload, SignUpOptions, tags } from './schemas.js';
import { DOOR } from './sessions.js';

const bodyEmail = (r: FastifyRequest) => (r.body as { email?: unknown } | undefined)?.email;

/** `POST /signin/passwordless/email`: a magic link (MAGIC_LINK_ENABLED), to `/verify?type=signinPasswordless`. */
export function registerPasswordlessRoutes(app: App, s: Services, config: HasuraAuthConfig) {
  const limits = authLimits(s);
  const mailLimit = mailLimits(s, bodyEmail);

  // nhost-js 4 has a sign-up of its own for it; both answer the same, so neither tells whether the address is known.
  for (const url of ['/signin/passwordless/email', '/signup/passwordless/email']) {
    app.post(
      url,
      {
        schema: {
          tags,
          summary: 'Mail a magic link; an unknown address gets an account activated by its first link (same answer)',
          body: Type.Object({ email: Email, options: Type.Optional(SignUpOptions) }),
          response: replies({ 200: Ok }, 400, 409, 429),
        },
        preHandler: [limits.credentials, mailLimit],
      },
      async (request, reply) => {
        if (!s.config.lifecycle.magicLink) throw hasuraErrors.disabledEndpoint();
        const { email, options = {} } = request.body;
        const links = hasuraLinks(s.config, config.mount, allowedRedirect(s.config, options.redirectTo));
        const userData = Object.entries({ display_name: options.displayName, locale: options.locale }).filter(
          ([, v]) => v !== undefined,
        );
        const profile = resolveRegistration(s.config.users, {
          allowedRoles: options.allowedRoles,
          defaultRole: options.defaultRole,
          userData: Object.fromEntries(userData),
        });
        // After the answer: its timing must not tell whether the address has an account.
        const input = { email, ...profile, metadata: options.metadata ?? {} };
        s.background.run(() => s.lifecycle.magicLinkOrRegister(input, links));
        return sendOk(reply);
      },
    );
  }

  app.post(
    '/signin/otp/email',
    {
      schema: {
        tags,
        summary: 'Mail a one-time sign-in code to an account (the same answer for any address)',
        body: Type.Object({ email: Email, options: Type.Optional(SignUpOptions) }),
        response: replies({ 200: Ok }, 400, 429),
      },
      preHandler: [limits.credentials, mailLimit],
    },
    async (request, reply) => {
      // After the answer: its timing must not tell whether the address has an account.
      s.background.run(() => s.emailCodes.send(request.body.email));
      return sendOk(reply);
    },
  );

  app.post(
    '/signin/otp/email/verify',
    {
      schema: {
        tags,
        summary: 'Sign in with the mailed code: single use, expiring, 5 misses void it; counted like a login',
        body: Type.Object({ email: Email, otp: Type.String({ minLength: 1, maxLength: 16 }) }),
        response: replies({ 200: SessionPayload }, 400, 401, 429),
      },
    },
    async (request) => {
      const { email, otp } = request.body;
      const session = await s.emailCodes.signIn(email, otp, clientInfo(request), DOOR).catch((err: unknown) => {
        throw (err as { code?: string }).code === 'invalid-mfa-code' ? hasuraErrors.invalidOtp() : err;
      });
      return { session: hasuraSession(session) };
    },
  );
}
