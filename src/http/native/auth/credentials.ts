import { Type } from '@sinclair/typebox';
import { resolveRegistration } from '../../../core/users/registration.js';
import type { Services } from '../../../services.js';
import { responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { authLimits } from './limits.js';
import { Cookie, Email, Password, PublicUser, Role } from './schemas.js';
import { clientInfo, deviceCookie, publicUser, sessionBody, setDeviceCookie } from './session-reply.js';

const RegisterBody = Type.Object({
  email: Email,
  password: Password,
  cookie: Cookie,
  user_data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'display_name, avatar_url, locale and REGISTRATION_CUSTOM_FIELDS' })),
  register_options: Type.Optional(
    Type.Object({
      allowed_roles: Type.Optional(Type.Array(Role, { maxItems: 50 })),
      default_role: Type.Optional(Role),
      default_roles: Type.Optional(Role),
    }),
  ),
});

const RegisterReply = Type.Object({
  jwt_token: Type.Union([Type.String(), Type.Null()], { description: 'null while the account awaits activation' }),
  jwt_expires_in: Type.Optional(Type.Integer()),
  refresh_token: Type.Optional(Type.String()),
  user: PublicUser,
});

const LoginBody = Type.Object({ email: Email, password: Password, cookie: Cookie });

/** POST /auth/register and POST /auth/login. */
export function registerCredentialRoutes(app: App, s: Services) {
  const limits = authLimits(s);

  app.post(
    '/register',
    {
      schema: { tags: ['auth'], summary: 'Create an account', body: RegisterBody, response: responses({ 200: RegisterReply }, 400, 409, 413, 415, 429) },
      preHandler: limits.credentials,
    },
    async (request, reply) => {
      const { email, password, cookie, user_data, register_options: opts } = request.body;
      const profile = resolveRegistration(s.config.users, {
        allowedRoles: opts?.allowed_roles,
        defaultRole: opts?.default_role ?? opts?.default_roles,
        userData: user_data,
      });
      const { user, session } = await s.auth.register(
        { email, password, ...profile, active: s.config.users.autoActivate },
        clientInfo(request),
      );
      if (!session) return { jwt_token: null, user: publicUser(user) };
      return sessionBody(reply, s.config.cookies, session, cookie === true);
    },
  );

  app.post(
    '/login',
    {
      schema: { tags: ['auth'], summary: 'Sign in with email and password', body: LoginBody, response: responses({ 200: Type.Ref('Session') }, 400, 401, 413, 415, 429) },
      preHandler: limits.credentials,
    },
    async (request, reply) => {
      const { email, password, cookie } = request.body;
      const { session, deviceId } = await s.auth.login({ email, password, device: deviceCookie(request) }, clientInfo(request));
      setDeviceCookie(reply, s.config.cookies, session.user.id, deviceId);
      return sessionBody(reply, s.config.cookies, session, cookie === true);
    },
  );
}
