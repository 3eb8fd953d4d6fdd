import { Type } from '@sinclair/typebox';
import { errors } from '../../../core/errors.js';
import { resolveRegistration } from '../../../core/users/registration.js';
import type { Services } from '../../../services.js';
import { responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { authLimits } from './limits.js';
import { bodyEmail, mailLimits } from './mail-limits.js';
import { Cookie, Email, MagicLinkSent, MfaChallenge, Password, PublicUser, Role } from './schemas.js';
import { clientInfo, deviceCookie, publicUser, sessionBody, setDeviceCookie } from './session-reply.js';

const RegisterBody = Type.Object({
  email: Email,
  password: Type.Optional(Password),
  cookie: Cookie,
  user_data: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description: 'display_name, avatar_url, locale and REGISTRATION_CUSTOM_FIELDS',
    }),
  ),
  register_options: Type.Optional(
    Type.Object({
      allowed_roles: Type.Optional(Type.Array(Role, { maxItems: 50 })),
      default_role: Type.Optional(Role),
      default_roles: Type.Optional(Role),
    }),
  ),
});

const RegisterReply = Type.Union([
  Type.Object({
    jwt_token: Type.Union([Type.String(), Type.Null()], { description: 'null while the account awaits activation' }),
    jwt_expires_in: Type.Optional(Type.Integer()),
    refresh_token: Type.Optional(Type.String()),
    user: PublicUser,
  }),
  MagicLinkSent,
]);

const LoginBody = Type.Object({ email: Email, password: Type.Optional(Password), cookie: Cookie });

/** POST /auth/register and POST /auth/login, with a password or, when enabled, a magic link. */
export function registerCredentialRoutes(app: App, s: Services) {
  const limits = authLimits(s);
  const mailLimit = mailLimits(s, bodyEmail);
  const { magicLink } = s.config.lifecycle;
  const passwordRequired = () =>
    errors.validation("body must have required property 'password' (magic links are off: MAGIC_LINK_ENABLED=false)");

  app.post(
    '/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account (without password: magic link)',
        body: RegisterBody,
        response: responses({ 200: RegisterReply }, 400, 409, 413, 415, 429),
      },
      preHandler: limits.credentials,
    },
    async (request, reply) => {
      const { email, password, cookie, user_data, register_options: opts } = request.body;
      const profile = resolveRegistration(s.config.users, {
        allowedRoles: opts?.allowed_roles,
        defaultRole: opts?.default_role ?? opts?.default_roles,
        userData: user_data,
      });
      if (password === undefined) {
        if (!magicLink) throw passwordRequired();
        await mailLimit(request, reply);
        await s.lifecycle.registerWithMagicLink({ email, ...profile });
        return { magicLink: true as const };
      }
      if (!s.config.users.autoActivate) await mailLimit(request, reply);
      const { user, session } = await s.auth.register(
        { email, password, ...profile, active: s.config.users.autoActivate },
        clientInfo(request),
      );
      if (!session) {
        await s.lifecycle.afterRegister(user);
        return { jwt_token: null, user: publicUser(user) };
      }
      return sessionBody(reply, s.config.cookies, session, cookie === true);
    },
  );

  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password (or, without password, get a magic link)',
        body: LoginBody,
        response: responses(
          { 200: Type.Union([Type.Ref('Session'), MfaChallenge, MagicLinkSent]) },
          400,
          401,
          413,
          415,
          429,
        ),
      },
    },
    async (request, reply) => {
      const { email, password, cookie } = request.body;
      if (password === undefined) {
        if (!magicLink) throw passwordRequired();
        await limits.credentials(request, reply);
        await mailLimit(request, reply);
        // After the answer: its timing must not tell whether the address has an account.
        s.background.run(() => s.lifecycle.requestMagicLink(email));
        return { magicLink: true as const };
      }
      const result = await s.auth.login(
        { identifier: email, password, device: deviceCookie(request) },
        clientInfo(request),
      );
      // HBP's answer stays `{mfa, ticket}` for TOTP alone; `methods` appears once a passkey is one of them.
      const methods = result.kind === 'mfa' && result.methods?.includes('webauthn') ? result.methods : undefined;
      if (result.kind === 'mfa') return { mfa: true as const, ticket: result.mfaTicket, methods };
      setDeviceCookie(reply, s.config.cookies, result.session.user.id, result.deviceId);
      return sessionBody(reply, s.config.cookies, result.session, cookie === true);
    },
  );
}
