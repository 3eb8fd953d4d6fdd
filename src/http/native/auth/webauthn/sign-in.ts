import { Type } from '@sinclair/typebox';
import type { Services } from '../../../../services.js';
import { responses } from '../../../schemas.js';
import type { App } from '../../../types.js';
import { authLimits } from '../limits.js';
import { Cookie, Email, Ticket } from '../schemas.js';
import { clientInfo, sessionBody } from '../session-reply.js';
import { AuthenticationCredential, RequestOptions } from './schemas.js';

/** The public passkey routes: sign in (usernameless or with an email), and the second step of a password login. */
export function registerPasskeySignIn(app: App, s: Services) {
  const limits = authLimits(s);

  app.post(
    '/webauthn/login/options',
    {
      schema: {
        tags: ['passkeys'],
        summary:
          'Options to sign in with a passkey: without email any passkey of this site may answer (autofill); ' +
          'with one, ' +
          'its passkeys are listed',
        body: Type.Object({ email: Type.Optional(Email) }),
        response: responses({ 200: RequestOptions }, 400, 429),
      },
      preHandler: limits.credentials,
    },
    async (request) => s.passkeys.loginOptions(request.body.email),
  );

  app.post(
    '/webauthn/login/verify',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'Sign in with a passkey assertion (user verification required): a session, as /auth/login answers',
        body: Type.Object({ credential: AuthenticationCredential, cookie: Cookie }),
        response: responses({ 200: Type.Ref('Session') }, 400, 401, 429),
      },
    },
    async (request, reply) => {
      const client = clientInfo(request);
      const user = await s.passkeys.login(request.body.credential as never, 'hbp', client);
      const session = await s.auth.startSession(user, client);
      return sessionBody(reply, s.config.cookies, session, request.body.cookie === true);
    },
  );

  // Not behind MFA_ENABLED: a passkey after the password is WEBAUTHN_ENABLED's, as the login asks for it.
  app.post(
    '/webauthn/second-factor/options',
    {
      schema: {
        tags: ['passkeys'],
        summary: "Options for a login's second step with a passkey (the ticket /auth/login answered)",
        body: Type.Object({ ticket: Ticket }),
        response: responses({ 200: RequestOptions }, 400, 401, 429),
      },
    },
    async (request) => s.passkeys.secondFactorOptions(request.body.ticket),
  );

  app.post(
    '/webauthn/second-factor/verify',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'Finish a login with its ticket and a passkey assertion (5 tries per ticket)',
        body: Type.Object({ ticket: Ticket, credential: AuthenticationCredential, cookie: Cookie }),
        response: responses({ 200: Type.Ref('Session') }, 400, 401, 429),
      },
    },
    async (request, reply) => {
      const client = clientInfo(request);
      const { ticket, credential, cookie } = request.body;
      const proof = { method: 'webauthn' as const, credential: credential as never };
      const session = await s.auth.completeSecondStep(ticket, proof, client);
      return sessionBody(reply, s.config.cookies, session, cookie === true);
    },
  );
}
