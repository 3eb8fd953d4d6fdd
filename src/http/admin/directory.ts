import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { actorOf } from '../client.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';
import { Id } from './users.js';

const Mode = Type.Union([Type.Literal('all'), Type.Literal('selected'), Type.Literal('off')]);
const Method = Type.Union([Type.Literal('jwt'), Type.Literal('basic')]);
const tags = ['admin'];

/** Realms, and who may use each HumHub method. */
export function adminDirectoryRoutes(app: App, s: Services) {
  for (const [method, allow] of [
    ['PUT', true],
    ['DELETE', false],
  ] as const) {
    app.route({
      method,
      url: '/users/:id/methods/:method',
      schema: {
        tags,
        summary: `${allow ? 'Open' : 'Close'} a method set to "selected" (jwt, basic) for this user`,
        params: Type.Object({ id: Id.properties.id, method: Method }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
      handler: async (request, reply) => {
        const { id, method: m } = request.params as { id: string; method: 'jwt' | 'basic' };
        const user = await s.accounts.target(id);
        await (allow ? s.authMethods.allow(m, user.id) : s.authMethods.disallow(m, user.id));
        return reply.code(204).send();
      },
    });
  }

  app.get(
    '/methods',
    {
      schema: {
        tags,
        summary: 'Who may use each HumHub method: all users, selected users, or nobody',
        response: responses({ 200: Type.Object({ jwt: Mode, basic: Mode }) }, 401, 403),
      },
    },
    () => s.authMethods.modes(),
  );

  app.put(
    '/methods/:method',
    {
      schema: {
        tags,
        summary: 'Set who may use a method (overrides HUMHUB_JWT / HUMHUB_BASIC)',
        params: Type.Object({ method: Method }),
        body: Type.Object({ mode: Mode }),
        response: responses({ 204: NoContent }, 400, 401, 403),
      },
    },
    async (request, reply) => {
      await s.authMethods.setMode(request.params.method, request.body.mode);
      return reply.code(204).send();
    },
  );

  app.get(
    '/realms',
    {
      schema: {
        tags,
        summary: 'List realms',
        response: responses(
          { 200: Type.Array(Type.Object({ name: Type.String(), created_at: Type.String() })) },
          401,
          403,
        ),
      },
    },
    async () => (await s.realms.list()).map((r) => ({ name: r.name, created_at: r.createdAt.toISOString() })),
  );

  app.post(
    '/realms',
    {
      schema: {
        tags,
        summary: 'Create a realm',
        body: Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }) }),
        response: responses({ 201: Type.Object({ name: Type.String() }) }, 400, 401, 403, 409),
      },
    },
    async (request, reply) => {
      await s.realms.create(request.body.name, actorOf(request));
      return reply.code(201).send({ name: request.body.name });
    },
  );
}
