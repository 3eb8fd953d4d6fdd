import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import { NoContent, responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { Code, Cookie, Ticket } from './schemas.js';
import { freshProof } from './reauthenticate.js';
import { clientInfo, sessionBody, setDeviceCookie } from './session-reply.js';

const CodeBody = Type.Object({ code: Code });

/** POST /auth/mfa/totp: second step of an MFA login (public: the ticket is the credential). */
export function registerMfaLoginRoute(app: App, s: Services) {
  app.post(
    '/mfa/totp',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Finish an MFA login with the ticket and a TOTP or recovery code (5 tries per ticket)',
        body: Type.Object({ ticket: Ticket, code: Code, cookie: Cookie }),
        response: responses({ 200: Type.Ref('Session') }, 400, 401, 429),
      },
    },
    async (request, reply) => {
      const session = await s.auth.completeSecondStep(
        request.body.ticket,
        { method: 'totp', code: request.body.code },
        clientInfo(request),
      );
      setDeviceCookie(reply, s.config.cookies, session.user.id, s.random.bytes(18).toString('base64url'));
      return sessionBody(reply, s.config.cookies, session, request.body.cookie === true);
    },
  );
}

/** MFA management for the signed-in user (inside the authenticated context). */
const Generated = Type.Object({
  image_url: Type.String({ description: 'QR code of the otpauth URI, as a data URL' }),
  otp_secret: Type.String(),
});

export function registerMfaRoutes(app: App, s: Services) {
  const fresh = freshProof(s);

  app.post(
    '/mfa/generate',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Create a TOTP secret (not active until /auth/mfa/enable)',
        security: [{ bearer: [] }],
        response: responses({ 200: Generated }, 401, 403, 409),
      },
      preHandler: fresh,
    },
    async (request) => {
      const { imageUrl, otpSecret } = await s.mfa.generate(request.principal!.user);
      return { image_url: imageUrl, otp_secret: otpSecret };
    },
  );

  // Wrong codes count like a login's second factor (20 an hour per user); both need a fresh proof.
  for (const [url, summary, action] of [
    ['/mfa/enable', 'Turn MFA on with a code from the generated secret', 'enableMfa'],
    ['/mfa/disable', 'Turn MFA off with a current code (or a recovery code)', 'disableMfa'],
  ] as const) {
    app.post(
      url,
      {
        schema: {
          tags: ['mfa'],
          summary,
          security: [{ bearer: [] }],
          body: CodeBody,
          response: responses({ 204: NoContent }, 400, 401, 403, 409, 429),
        },
      },
      async (request, reply) => {
        await s.reauth[action](request.principal!, request.body.code, clientInfo(request));
        return reply.code(204).send();
      },
    );
  }

  app.post(
    '/mfa/recovery-codes',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Ten new single-use recovery codes, shown once (the previous ones stop working)',
        security: [{ bearer: [] }],
        response: responses({ 200: Type.Object({ recovery_codes: Type.Array(Type.String()) }) }, 400, 401, 403),
      },
      preHandler: fresh,
    },
    async (request) => ({
      recovery_codes: await s.mfa.newRecoveryCodes(request.principal!.userId, clientInfo(request)),
    }),
  );
}
