import { Type } from '@sinclair/typebox';
import type { Services } from '../../../../services.js';
import { NoContent, responses } from '../../../schemas.js';
import type { App } from '../../../types.js';
import { freshProof } from '../reauthenticate.js';
import { actorOf, clientInfo } from '../session-reply.js';
import {
  AuthenticationCredential,
  CreationOptions,
  Nickname,
  PasskeyInfo,
  presentPasskey,
  RegistrationCredential,
  RequestOptions,
} from './schemas.js';

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** The signed-in user's passkeys (inside the authenticated context): create, elevate, list, rename, remove. */
export function registerPasskeyAccount(app: App, s: Services) {
  const fresh = freshProof(s);
  const security = [{ bearer: [] }];

  app.post(
    '/webauthn/register/options',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'Options to create a passkey (needs a fresh proof: a passkey is a lasting way in)',
        security,
        response: responses({ 200: CreationOptions }, 401, 403),
      },
      preHandler: fresh,
    },
    async (request) => s.passkeys.registrationOptions(request.principal!),
  );

  app.post(
    '/webauthn/register/verify',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'Store the passkey navigator.credentials.create() made from those options',
        security,
        body: Type.Object({ credential: RegistrationCredential, nickname: Type.Optional(Nickname) }),
        response: responses({ 201: PasskeyInfo }, 400, 401, 403, 409),
      },
      preHandler: fresh,
    },
    async (request, reply) => {
      const { credential, nickname } = request.body;
      const passkey = await s.passkeys.register(request.principal!, credential as never, nickname, clientInfo(request));
      return reply.code(201).send(presentPasskey(passkey));
    },
  );

  app.post(
    '/webauthn/elevate/options',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'Options to re-authenticate this session with one of my passkeys',
        security,
        response: responses({ 200: RequestOptions }, 401),
      },
    },
    async (request) => s.passkeys.elevationOptions(request.principal!),
  );

  app.post(
    '/webauthn/elevate/verify',
    {
      schema: {
        tags: ['passkeys'],
        summary: `A fresh passkey assertion: this session counts as proven for ${s.config.jwt.reauthMaxAgeMinutes} min`,
        security,
        body: Type.Object({ credential: AuthenticationCredential }),
        response: responses({ 204: NoContent }, 400, 401, 429),
      },
    },
    async (request, reply) => {
      await s.passkeys.elevate(request.principal!, request.body.credential as never, clientInfo(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/webauthn/passkeys',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'My passkeys (never their keys)',
        security,
        response: responses({ 200: Type.Array(PasskeyInfo) }, 401),
      },
    },
    async (request) => (await s.passkeys.list(request.principal!.userId)).map(presentPasskey),
  );

  app.patch(
    '/webauthn/passkeys/:id',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'Rename one of my passkeys',
        security,
        params: Id,
        body: Type.Object({ nickname: Nickname }),
        response: responses({ 204: NoContent }, 400, 401, 404),
      },
    },
    async (request, reply) => {
      const { userId } = request.principal!;
      await s.passkeys.rename(userId, request.params.id, request.body.nickname, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.delete(
    '/webauthn/passkeys/:id',
    {
      schema: {
        tags: ['passkeys'],
        summary: 'Remove one of my passkeys; my last way in (no password, no other passkey) only with ?confirm=true',
        security,
        params: Id,
        querystring: Type.Object({ confirm: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }),
        response: responses({ 204: NoContent }, 400, 401, 404, 409),
      },
    },
    async (request, reply) => {
      const { userId } = request.principal!;
      await s.passkeys.remove(userId, request.params.id, actorOf(request), request.query.confirm === 'true');
      return reply.code(204).send();
    },
  );
}
