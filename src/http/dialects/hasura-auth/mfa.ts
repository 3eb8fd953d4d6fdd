import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import { clientInfo } from '../../client.js';
import { requireUser } from '../../plugins/auth-guard.js';
import type { App } from '../../types.js';
import { refuseAnonymous } from './anonymous.js';
import { hasuraErrors } from './envelope.js';
import { replies, sendOk } from './reply.js';
import { Ok, tags } from './schemas.js';

/** TOTP set-up for the signed-in user: `GET /mfa/totp/generate`, then `POST /user/mfa` to turn it on or off. */
export function registerMfaRoutes(app: App, s: Services) {
  // MFA_ENABLED=false: what hasura-auth answers with its MFA off.
  const enabled = async () => {
    if (!s.config.lifecycle.mfa) throw hasuraErrors.disabledEndpoint();
  };
  app.get(
    '/mfa/totp/generate',
    {
      schema: {
        tags,
        summary: 'A new TOTP secret and its QR code (a fresh proof of identity; active after POST /user/mfa)',
        security: [{ bearer: [] }],
        response: replies(
          { 200: Type.Object({ imageUrl: Type.String(), totpSecret: Type.String() }) },
          400,
          401,
          403,
          409,
        ),
      },
      onRequest: [enabled, requireUser(s)],
      preHandler: [refuseAnonymous, async (request) => s.reauth.requireFresh(request.principal!)],
    },
    async (request) => {
      const { imageUrl, otpSecret } = await s.mfa.generate(request.principal!.user);
      return { imageUrl, totpSecret: otpSecret };
    },
  );

  app.post(
    '/user/mfa',
    {
      schema: {
        tags,
        summary: 'Turn TOTP on (activeMfaType "totp") with a code of the generated secret, or off ("") with a code',
        security: [{ bearer: [] }],
        body: Type.Object({
          code: Type.String({ minLength: 1, maxLength: 64 }),
          activeMfaType: Type.Optional(Type.String({ maxLength: 16 })),
        }),
        response: replies({ 200: Ok }, 400, 401, 403, 409, 429),
      },
      onRequest: [enabled, requireUser(s)],
      preHandler: refuseAnonymous,
    },
    async (request, reply) => {
      const { code, activeMfaType = '' } = request.body;
      if (activeMfaType !== 'totp' && activeMfaType !== '') throw hasuraErrors.mfaTypeNotFound();
      const action = activeMfaType === 'totp' ? 'enableMfa' : 'disableMfa';
      await s.reauth[action](request.principal!, code, clientInfo(request));
      return sendOk(reply);
    },
  );
}
