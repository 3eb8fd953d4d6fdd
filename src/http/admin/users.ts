import { Type } from '@sinclair/typebox';
import { pageLimit } from '../../core/cursor.js';
import { errors } from '../../core/errors.js';
import { USER_SORTS } from '../../core/users/list-order.js';
import { USER_STATES } from '../../core/users/service.js';
import type { Services } from '../../services.js';
import { actorOf } from '../client.js';
import { Email, Password, Role } from '../native/auth/schemas.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';
import {
  AdminUser,
  adminUser,
  AdminUserDetail,
  adminUserDetail,
  AdminUserPage,
  adminUserPage,
  DEFAULT_PAGE,
  MAX_PAGE,
} from './user-presenter.js';

export const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Username = Type.String({
  pattern: '^[0-9A-Za-z._-]{1,64}$',
  description: 'letters, digits, dots, dashes, underscores',
});
const tags = ['admin'];

/** Users: list, create, delete, state, roles, realm, password, ban. */
export function adminUserRoutes(app: App, s: Services) {
  app.get(
    '/users',
    {
      schema: {
        tags,
        summary:
          'List users in creation order or sorted, a page at a time, or search them (a part of the email or username)',
        querystring: Type.Object({
          search: Type.Optional(
            Type.String({
              maxLength: 254,
              description: 'a part of the email or username; one or two characters: the start of either',
            }),
          ),
          limit: Type.Optional(
            Type.String({ pattern: '^[0-9]{1,4}$', description: `1 to ${MAX_PAGE}, default ${DEFAULT_PAGE}` }),
          ),
          cursor: Type.Optional(Type.String({ maxLength: 400, description: 'next_cursor of the previous page' })),
          realm: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'only users of this realm' })),
          role: Type.Optional({ ...Role, description: 'only users holding this role' }),
          sort: Type.Optional(
            Type.Union(
              USER_SORTS.map((v) => Type.Literal(v)),
              { description: 'another order than creation: email, created, last_seen (never seen first), sign_ins' },
            ),
          ),
          order: Type.Optional(
            Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'with sort; default asc' }),
          ),
          state: Type.Optional(
            Type.Union(
              USER_STATES.map((v) => Type.Literal(v)),
              {
                description:
                  'only users in this state: disabled, else banned (a ban running), else inactive, else active',
              },
            ),
          ),
        }),
        response: responses({ 200: AdminUserPage }, 400, 401, 403),
      },
    },
    async (request) => {
      const { search, cursor, realm, role, state, sort: by, order } = request.query;
      const limit = pageLimit(request.query.limit, DEFAULT_PAGE, MAX_PAGE);
      const sort = by ? { by, desc: order === 'desc' } : undefined;
      if (!by && order) throw errors.validation('order needs sort (email, created, last_seen or sign_ins)');
      return adminUserPage(
        await s.users.list({ search: search || undefined, realm, role, state, limit, cursor, sort }),
      );
    },
  );

  app.get(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'One user, with their metadata',
        params: Id,
        response: responses({ 200: AdminUserDetail }, 400, 401, 403, 404),
      },
    },
    async (request) => adminUserDetail(await s.accounts.target(request.params.id)),
  );

  app.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Create a user',
        body: Type.Object({
          email: Email,
          password: Password,
          username: Type.Optional(Username),
          roles: Type.Optional(Type.Array(Role, { minItems: 1, maxItems: 50 })),
          default_role: Type.Optional(Role),
          realm: Type.Optional(Type.String({ maxLength: 64 })),
          active: Type.Optional(Type.Boolean()),
        }),
        response: responses({ 201: AdminUser }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const {
        email,
        password,
        username,
        roles = s.config.users.defaultAllowedRoles,
        default_role,
        realm,
        active = true,
      } = request.body;
      if (realm && !(await s.realms.exists(realm))) throw errors.notFound(`No realm ${realm}`);
      const user = await s.users.create({
        email,
        username,
        password,
        roles,
        defaultRole:
          default_role ?? (roles.includes(s.config.users.defaultRole) ? s.config.users.defaultRole : roles[0]!),
        active,
      });
      if (realm) await s.accounts.setRealm(user.id, realm, actorOf(request));
      return reply.code(201).send(adminUser(await s.accounts.target(user.id)));
    },
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Delete a user, with every session, token and file record of theirs',
        params: Id,
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      await s.accounts.remove(request.params.id, actorOf(request));
      return reply.code(204).send();
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/users/:id/${action}`,
      {
        schema: {
          tags,
          summary: disabled ? 'Disable a user and end their sessions in every dialect' : 'Enable a user',
          params: Id,
          response: responses({ 204: NoContent }, 400, 401, 403, 404),
        },
      },
      async (request, reply) => {
        await s.accounts.setDisabled(request.params.id, disabled, actorOf(request));
        return reply.code(204).send();
      },
    );
  }

  app.post(
    '/users/:id/ban',
    {
      schema: {
        tags,
        summary: 'Refuse every sign-in until a date; sessions end now',
        params: Id,
        body: Type.Object({
          until: Type.String({ format: 'date-time' }),
          reason: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      await s.accounts.ban(
        request.params.id,
        new Date(request.body.until),
        request.body.reason ?? null,
        actorOf(request),
      );
      return reply.code(204).send();
    },
  );

  app.delete(
    '/users/:id/ban',
    {
      schema: { tags, summary: 'Lift a ban', params: Id, response: responses({ 204: NoContent }, 400, 401, 403, 404) },
    },
    async (request, reply) => {
      await s.accounts.unban(request.params.id, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.put(
    '/users/:id/password',
    {
      schema: {
        tags,
        summary: 'Set a password; the user’s sessions end',
        params: Id,
        body: Type.Object({ password: Password }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      await s.accounts.setPassword(request.params.id, request.body.password, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.put(
    '/users/:id/username',
    {
      schema: {
        tags,
        summary: 'Set the login name',
        params: Id,
        body: Type.Object({ username: Username }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      await s.accounts.setUsername(request.params.id, request.body.username, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.put(
    '/users/:id/roles',
    {
      schema: {
        tags,
        summary: "Replace a user's roles",
        params: Id,
        body: Type.Object({ roles: Type.Array(Role, { minItems: 1, maxItems: 50 }), default_role: Role }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      await s.accounts.setRoles(request.params.id, request.body.roles, request.body.default_role, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.put(
    '/users/:id/realm',
    {
      schema: {
        tags,
        summary: 'Move a user to a realm',
        params: Id,
        body: Type.Object({ realm: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      await s.accounts.setRealm(request.params.id, request.body.realm, actorOf(request));
      return reply.code(204).send();
    },
  );
}
