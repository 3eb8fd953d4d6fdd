import { type Static, Type } from '@sinclair/typebox';
import { resolveRegistration } from '../../../core/users/registration.js';
import type { Services } from '../../../services.js';
import { clientInfo } from '../../client.js';
import { authLimits } from '../../native/auth/limits.js';
import { bodyEmail, mailLimits } from '../../native/auth/mail-limits.js';
import type { App } from '../../types.js';
import type { HasuraAuthConfig } from './config.js';
import { hasuraErrors } from './envelope.js';
import { allowedRedirect, hasuraLinks } from './links.js';
import { hasuraSession } from './present.js';
import { replies, sendOk } from './reply.js';
import { Email, Ok, SessionPayload, SignUpOptions, tags } from './schemas.js';
import { DOOR } from './sessions.js';

/**
 * The account an unknown address gets (hasura-auth's SignUpOptions): roles within ALLOWED_USER_ROLES (a refusal
 * is answered before anything is sent, whatever the address), the profile fields, the metadata.
 */
function signUpProfile(s: Services, options: Static<typeof SignUpOptions>) {
  const userData = Object.entries({ display_name: options.displayName, locale: options.locale }).filter(
    ([, v]) => v !== undefined,
  );
  const profile = resolveRegistration(s.config.users, {
    allowedRoles: options.allowedRoles,
    defaultRole: options.defaultRole,
    userData: Object.fromEntries(userData),
  });
  return { ...profile, metadata: options.metadata ?? {} };
}

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
        const input = { email, ...signUpProfile(s, options) };
        // After the answer: its timing must not tell whether the address has an account.
        s.background.run(() => s.lifecycle.magicLinkOrRegister(input, links));
        return sendOk(reply);
      },
    );
  }

  // nhost-js 4's sign-up by email code answers the same: neither tells whether the address is known.
  for (const url of ['/signin/otp/email', '/signup/otp/email']) {
    app.post(
      url,
      {
        schema: {
          tags,
          summary: 'Mail a one-time sign-in code; an unknown address gets an account proven by its code (same answer)',
          body: Type.Object({ email: Email, options: Type.Optional(SignUpOptions) }),
          response: replies({ 200: Ok }, 400, 429),
        },
        preHandler: [limits.credentials, mailLimit],
      },
      async (request, reply) => {
        const { email, options = {} } = request.body;
        allowedRedirect(s.config, options.redirectTo); // refused as hasura-auth refuses it, though no link is mailed
        const profile = signUpProfile(s, options);
        // After the answer: its timing must not tell whether the address has an account.
        s.background.run(() => s.emailCodes.send(email, profile));
        return sendOk(reply);
      },
    );
  }

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
