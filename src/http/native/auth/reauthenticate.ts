import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../../services.js';
import { NoContent, responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { Code, Password } from './schemas.js';
import { clientInfo } from './session-reply.js';

const ProofBody = Type.Object({
  password: Type.Optional(Password),
  code: Type.Optional(Code),
});

/**
 * preHandler of the operations that give lasting access: the caller's session (access token or
 * permission cookie) must have proven a secret within REAUTH_MAX_AGE, else 403 reauthentication-required.
 */
export function freshProof(s: Services) {
  return async (request: FastifyRequest) => s.reauth.requireFresh(request.principal!);
}

/** POST /auth/reauthenticate (inside the authenticated context). */
export function registerReauthRoute(app: App, s: Services) {
  const minutes = s.config.jwt.reauthMaxAgeMinutes;
  app.post(
    '/reauthenticate',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Prove the password again (with a code when MFA is on; a code alone without a password): ' +
          `for ${minutes} minutes ` +
          'this session may mint personal tokens, change the email, and manage MFA. Limited and audited like a login.',
        security: [{ bearer: [] }],
        body: ProofBody,
        response: responses({ 204: NoContent }, 400, 401, 409, 429),
      },
    },
    async (request, reply) => {
      await s.reauth.reauthenticate(request.principal!, request.body, clientInfo(request));
      return reply.code(204).send();
    },
  );
}
