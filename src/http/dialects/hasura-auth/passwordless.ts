import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { resolveRegistration } from '../../../core/users/registration.js';
import type { Services } from '../../../services.js';
import { authLimits } from '../../native/auth/limits.js';
import { mailLimits } from '../../native/auth/mail-limits.js';
import type { App } from '../../types.js';
import type { HasuraAuthConfig } from './config.js';
import { hasuraErrors } from './envelope.js';
import { allowedRedirect, hasuraLinks } from './links.js';
import { replies, sendOk } from './reply.js';
import { Email, Ok, SignUpOptions, tags } from './schemas.js';

const bodyEmail = (r: FastifyRequest) => (r.body as { email?: unknown } | undefined)?.email;

/** `POST /signin/passwordless/email`: a magic link (MAGIC_LINK_ENABLED), to `/verify?type=signinPasswordless`. */
export function registerPasswordlessRoutes(app: App, s: Services, config: HasuraAuthConfig) {
  const limits = authLimits(s);
  const mailLimit = mailLimits(s, bodyEmail);

  app.post(
    '/signin/passwordless/email',
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
