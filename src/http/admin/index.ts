import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import { safeEqual } from '../../core/hash.js';
import type { User } from '../../core/users/service.js';
import type { Services } from '../../services.js';
import { bearerToken } from '../plugins/auth-guard.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';
import { Email, Password, Role } from '../native/auth/schemas.js';
import { bearerTokens, NewToken, TokenBody, TokenInfo } from '../native/auth/bearer-tokens.js';
import { consoleSupport } from './console-support.js';

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const AdminUser = Type.Object({
  id: Type.String(),
  email: Type.String(),
  display_name: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.String()),
  default_role: Type.String(),
  realm: Type.String(),
  active: Type.Boolean(),
  disabled: Type.Boolean(),
  mfa_enabled: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  last_login_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const adminUser = (u: User) => ({
  id: u.id,
  email: u.email,
  display_name: u.displayName,
  roles: u.roles,
  default_role: u.defaultRole,
  realm: u.realm,
  active: u.active,
  disabled: u.disabled,
  mfa_enabled: u.mfaEnabled,
  created_at: u.createdAt.toISOString(),
  last_login_at: u.lastLoginAt?.toISOString() ?? null,
});

/** The admin API: for the admin role or the x-admin-secret header, in its own guarded context. */
export async function adminApi(app: App, s: Services) {
  const tokens = bearerTokens(s);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const secret = request.headers['x-admin-secret'];
    if (s.config.storage.adminSecret && typeof secret === 'string' && safeEqual(secret, s.config.storage.adminSecret)) return;
    const token = bearerToken(request);
    if (!token) throw errors.unauthenticated();
    const claims = await s.accessTokens.verify(token);
    if (!claims.allowedRoles.includes('admin')) throw errors.forbidden('The admin API needs the admin role');
  });
  const target = async (id: string) => {
    const user = await s.users.get(id);
    if (!user) throw errors.notFound('No such user');
    return user;
  };
  const tags = ['admin'];
  await consoleSupport(app, s);

  app.get('/users', { schema: { tags, summary: 'List or search users', querystring: Type.Object({ search: Type.Optional(Type.String({ maxLength: 254 })), limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })), offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })) }), response: responses({ 200: Type.Array(AdminUser) }, 400, 401, 403) } }, async (request) => {
    const users = await s.users.list({ search: request.query.search, limit: Math.min(Number(request.query.limit ?? 100), 1000), offset: Number(request.query.offset ?? 0) });
    return users.map(adminUser);
  });

  app.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Create a user',
        body: Type.Object({ email: Email, password: Password, roles: Type.Optional(Type.Array(Role, { minItems: 1, maxItems: 50 })), default_role: Type.Optional(Role), realm: Type.Optional(Type.String({ maxLength: 64 })), active: Type.Optional(Type.Boolean()) }),
        response: responses({ 201: AdminUser }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const { email, password, roles = s.config.users.defaultAllowedRoles, default_role, realm, active = true } = request.body;
      if (realm && !(await s.queries.users.realmExists(realm))) throw errors.notFound(`No realm ${realm}`);
      const user = await s.users.create({ email, password, roles, defaultRole: default_role ?? (roles.includes(s.config.users.defaultRole) ? s.config.users.defaultRole : roles[0]!), active });
      if (realm) await s.users.setRealm(user.id, realm);
      return reply.code(201).send(adminUser((await s.users.get(user.id))!));
    },
  );

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post(`/users/:id/${action}`, { schema: { tags, summary: disabled ? 'Disable a user and end their sessions' : 'Enable a user', params: Id, response: responses({ 204: NoContent }, 400, 401, 403, 404) } }, async (request, reply) => {
      await s.users.setDisabled((await target(request.params.id)).id, disabled);
      return reply.code(204).send();
    });
  }

  app.put('/users/:id/roles', { schema: { tags, summary: "Replace a user's roles", params: Id, body: Type.Object({ roles: Type.Array(Role, { minItems: 1, maxItems: 50 }), default_role: Role }), response: responses({ 204: NoContent }, 400, 401, 403, 404) } }, async (request, reply) => {
    await s.users.setRoles((await target(request.params.id)).id, request.body.roles, request.body.default_role);
    return reply.code(204).send();
  });

  app.put('/users/:id/realm', { schema: { tags, summary: 'Move a user to a realm', params: Id, body: Type.Object({ realm: Type.String({ minLength: 1, maxLength: 64 }) }), response: responses({ 204: NoContent }, 400, 401, 403, 404) } }, async (request, reply) => {
    await s.users.setRealm((await target(request.params.id)).id, request.body.realm);
    return reply.code(204).send();
  });

  for (const [method, allow] of [['PUT', true], ['DELETE', false]] as const) {
    app.route({
      method,
      url: '/users/:id/methods/:method',
      schema: { tags, summary: `${allow ? 'Open' : 'Close'} a method set to "selected" (jwt, basic) for this user`, params: Type.Object({ id: Type.String({ format: 'uuid' }), method: Type.Union([Type.Literal('jwt'), Type.Literal('basic')]) }), response: responses({ 204: NoContent }, 400, 401, 403, 404) },
      handler: async (request, reply) => {
        const { id, method: m } = request.params as { id: string; method: string };
        const user = await target(id);
        await (allow ? s.queries.apiTokens.allowMethod(m, user.id) : s.queries.apiTokens.disallowMethod(m, user.id));
        return reply.code(204).send();
      },
    });
  }

  app.get('/users/:id/tokens', { schema: { tags, summary: "A user's bearer tokens (never the tokens themselves)", params: Id, response: responses({ 200: Type.Array(TokenInfo) }, 400, 401, 403, 404) } }, async (request) => tokens.list((await target(request.params.id)).id));

  app.post('/users/:id/tokens', { schema: { tags, summary: 'Create a bearer token for a user; shown once', params: Id, body: TokenBody, response: responses({ 201: NewToken }, 400, 401, 403, 404) } }, async (request, reply) =>
    reply.code(201).send(await tokens.create((await target(request.params.id)).id, request.body)),
  );

  app.delete('/tokens/:id', { schema: { tags, summary: 'Revoke a bearer token; it stops working at once', params: Id, response: responses({ 204: NoContent }, 400, 401, 403, 404) } }, async (request, reply) => {
    if (!(await s.queries.apiTokens.revokeById(request.params.id, s.clock.now()))) throw errors.notFound('No such live token');
    return reply.code(204).send();
  });

  const Mode = Type.Union([Type.Literal('all'), Type.Literal('selected'), Type.Literal('off')]);
  app.get('/methods', { schema: { tags, summary: 'Who may use each HumHub method: all users, selected users, or nobody', response: responses({ 200: Type.Object({ jwt: Mode, basic: Mode }) }, 401, 403) } }, async () => ({
    jwt: ((await s.queries.apiTokens.methodMode('jwt')) ?? s.config.humhub.jwt) as 'all' | 'selected' | 'off',
    basic: ((await s.queries.apiTokens.methodMode('basic')) ?? s.config.humhub.basic) as 'all' | 'selected' | 'off',
  }));
  app.put('/methods/:method', { schema: { tags, summary: 'Set who may use a method (overrides HUMHUB_JWT / HUMHUB_BASIC)', params: Type.Object({ method: Type.Union([Type.Literal('jwt'), Type.Literal('basic')]) }), body: Type.Object({ mode: Mode }), response: responses({ 204: NoContent }, 400, 401, 403) } }, async (request, reply) => {
    await s.queries.apiTokens.setMethodMode(request.params.method, request.body.mode);
    return reply.code(204).send();
  });

  app.get('/realms', { schema: { tags, summary: 'List realms', response: responses({ 200: Type.Array(Type.Object({ name: Type.String(), created_at: Type.String() })) }, 401, 403) } }, async () =>
    (await s.queries.users.realms()).map((r) => ({ name: r.name, created_at: r.createdAt.toISOString() })),
  );

  app.post('/realms', { schema: { tags, summary: 'Create a realm', body: Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }) }), response: responses({ 201: Type.Object({ name: Type.String() }) }, 400, 401, 403, 409) } }, async (request, reply) => {
    await s.users.createRealm(request.body.name);
    return reply.code(201).send({ name: request.body.name });
  });
}
