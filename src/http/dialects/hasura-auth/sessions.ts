import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import { clientInfo } from '../../client.js';
import { authLimits } from '../../native/auth/limits.js';
import { optionalUser, requireUser, resolvePrincipal } from '../../plugins/auth-guard.js';
import { emptyBodyIsObject } from '../../schemas.js';
import type { App } from '../../types.js';
import type { HasuraAuthConfig } from './config.js';
import { hasuraErrors } from './envelope.js';
import { allowedRedirect, hasuraLinks } from './links.js';
import { MFA_TICKET_PREFIX, hasuraSession, hasuraUser } from './present.js';
import { replies, sendOk } from './reply.js';
import { signUpInput } from './sign-up-input.js';
import { Email, Ok, Password, Session, SessionPayload, SignInReply, SignUpOptions, User, tags } from './schemas.js';

export const DOOR = 'hasura-auth';

/** Sign-up, sign-in (with its TOTP step), refresh, sign-out and who-am-I, on the one session registry. */
export function registerSessionRoutes(app: App, s: Services, config: HasuraAuthConfig) {
  const limits = authLimits(s);

  app.post(
    '/signup/email-password',
    {
      schema: {
        tags,
        summary: 'Create an account with email and password; a session when the account is active at once',
        body: Type.Object({ email: Email, password: Password, options: Type.Optional(SignUpOptions) }),
        response: replies({ 200: SessionPayload }, 400, 409, 429),
      },
      preHandler: limits.credentials,
    },
    async (request) => {
      const { email, password, options = {} } = request.body;
      const links = hasuraLinks(s.config, config.mount, allowedRedirect(s.config, options.redirectTo));
      const input = { ...signUpInput(s, email, options), password };
      const { user, session } = await s.auth.register(input, clientInfo(request), DOOR);
      if (!session) {
        await s.lifecycle.afterRegister(user, links);
        return { session: null };
      }
      return { session: hasuraSession(session) };
    },
  );

  app.post(
    '/signin/email-password',
    {
      schema: {
        tags,
        summary: 'Sign in with email and password: a session, or an MFA ticket for /signin/mfa/totp',
        body: Type.Object({ email: Email, password: Password }),
        response: replies({ 200: SignInReply }, 400, 401, 429),
      },
    },
    async (request) => {
      const { email, password } = request.body;
      const result = await s.auth.login(
        { identifier: email, password, door: DOOR, ticketShape: 'uuid' },
        clientInfo(request),
      );
      if (result.kind === 'mfa') return { session: null, mfa: { ticket: `${MFA_TICKET_PREFIX}${result.mfaTicket}` } };
      return { session: hasuraSession(result.session), mfa: null };
    },
  );

  app.post(
    '/signin/mfa/totp',
    {
      schema: {
        tags,
        summary: 'Finish a sign-in with its MFA ticket and a TOTP (or recovery) code; 5 tries per ticket',
        body: Type.Object({ ticket: Type.String({ maxLength: 128 }), otp: Type.String({ maxLength: 64 }) }),
        response: replies({ 200: SessionPayload }, 400, 401, 429),
      },
    },
    async (request) => {
      const { ticket, otp } = request.body;
      const bare = ticket.startsWith(MFA_TICKET_PREFIX) ? ticket.slice(MFA_TICKET_PREFIX.length) : ticket;
      const session = await s.auth.completeSecondStep(bare, { method: 'totp', code: otp }, clientInfo(request), DOOR);
      return { session: hasuraSession(session) };
    },
  );

  app.post(
    '/token',
    {
      schema: {
        tags,
        summary: 'Exchange a refresh token (of any door: HBP refresh tokens too) for a new session; it rotates',
        body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }),
        response: replies({ 200: Session }, 400, 401, 429),
      },
      preHandler: limits.refresh,
    },
    async (request) => {
      const session = await s.auth.refresh(request.body.refreshToken, clientInfo(request), limits.refreshAccount, DOOR);
      return hasuraSession(session);
    },
  );

  app.post(
    '/signout',
    {
      schema: {
        tags,
        summary: 'End the session of the refresh token, or (`all`, with the access token) every session of the user',
        body: Type.Object({
          refreshToken: Type.Optional(Type.String({ maxLength: 512 })),
          all: Type.Optional(Type.Boolean()),
        }),
        response: replies({ 200: Ok }, 400, 401),
      },
      onRequest: optionalUser(s),
      preValidation: emptyBodyIsObject,
    },
    async (request, reply) => {
      const { refreshToken, all = false } = request.body;
      if (!all && !refreshToken) throw hasuraErrors.invalidRequest();
      const caller = request.principal ?? undefined;
      await s.auth.logout({ refreshToken: refreshToken || undefined, caller, all, client: clientInfo(request) });
      return sendOk(reply);
    },
  );

  app.post(
    '/token/verify',
    {
      schema: {
        tags,
        summary: "Whether an access token (the body's, or the bearer) is valid and its session alive",
        body: Type.Object({ token: Type.Optional(Type.String({ maxLength: 8192 })) }),
        response: replies({ 200: Ok }, 400, 401),
      },
      preValidation: emptyBodyIsObject,
    },
    async (request, reply) => {
      const { token } = request.body;
      if (token) await resolvePrincipal(s, token);
      else await requireUser(s)(request);
      return sendOk(reply);
    },
  );

  app.get(
    '/user',
    {
      schema: {
        tags,
        summary: 'The signed-in user',
        security: [{ bearer: [] }],
        response: replies({ 200: User }, 401),
      },
      onRequest: requireUser(s),
    },
    async (request) => hasuraUser(request.principal!.user),
  );
}
