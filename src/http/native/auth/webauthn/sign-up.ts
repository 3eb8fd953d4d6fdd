import { Type } from '@sinclair/typebox';
import { resolveRegistration } from '../../../../core/users/registration.js';
import type { Services } from '../../../../services.js';
import { responses } from '../../../schemas.js';
import type { App } from '../../../types.js';
import { authLimits } from '../limits.js';
import { bodyEmail, mailLimits } from '../mail-limits.js';
import { Cookie, Email, PublicUser } from '../schemas.js';
import { clientInfo, publicUser, sessionBody } from '../session-reply.js';
import { CreationOptions, Nickname, RegistrationCredential } from './schemas.js';

/** POST /auth/webauthn/signup/…: an account with a passkey and no password. */
export function registerPasskeySignUp(app: App, s: Services) {
  const limits = authLimits(s);
  const autoActivate = s.config.users.autoActivate;

  app.post(
    '/webauthn/signup/options',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'Options to create an account with a passkey and no password (409 when the email has one)',
        body: Type.Object({
          email: Email,
          user_data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
        response: responses({ 200: CreationOptions }, 400, 409, 429),
      },
      preHandler: autoActivate ? limits.credentials : [limits.credentials, mailLimits(s, bodyEmail)],
    },
    async (request) => {
      const profile = resolveRegistration(s.config.users, { userData: request.body.user_data });
      return s.passkeys.signupOptions({ email: request.body.email, ...profile, active: autoActivate });
    },
  );

  app.post(
    '/webauthn/signup/verify',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'Create the account with the passkey: a session, or `{jwt_token: null, user}` until activation',
        body: Type.Object({ credential: RegistrationCredential, nickname: Type.Optional(Nickname), cookie: Cookie }),
        response: responses(
          { 200: Type.Union([Type.Ref('Session'), Type.Object({ jwt_token: Type.Null(), user: PublicUser })]) },
          400,
          401,
          409,
        ),
      },
    },
    async (request, reply) => {
      const client = clientInfo(request);
      const user = await s.passkeys.signup(request.body.credential as never, request.body.nickname, client);
      if (!user.active) {
        await s.lifecycle.afterRegister(user);
        return { jwt_token: null, user: publicUser(user) };
      }
      const session = await s.auth.startSession(user, client);
      return sessionBody(reply, s.config.cookies, session, request.body.cookie === true);
    },
  );
}
