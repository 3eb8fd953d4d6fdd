import { Type } from '@sinclair/typebox';
import { errors } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { actorOf } from '../client.js';
import { pageLimit } from '../../core/cursor.js';
import { bearerTokens, NewToken, TokenBody, TokenInfo, tokenInfo } from '../native/auth/bearer-tokens.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';
import { DEFAULT_PAGE, MAX_PAGE, NextCursor, PageQuery } from './user-presenter.js';
import { Id } from './users.js';

const Nullable = Type.Union([Type.String(), Type.Null()]);
const SessionInfo = Type.Object({
  id: Type.String(),
  door: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  ip: Nullable,
  user_agent: Nullable,
});
const tags = ['admin'];
const Impersonation = Type.Object({
  token: Type.String({
    description: "Shown once. Send it as `Authorization: Impersonate <token>` to HumHub's API (`/api/v1/…`)",
  }),
  expires_at: Type.String({ format: 'date-time' }),
});

/** A user's sessions (every dialect's) and personal bearer tokens. */
export function adminSessionRoutes(app: App, s: Services) {
  const tokens = bearerTokens(s);

  app.get(
    '/users/:id/sessions',
    {
      schema: {
        tags,
        summary: "A user's live sessions, in every dialect, newest first, a page at a time",
        params: Id,
        querystring: PageQuery,
        response: responses(
          { 200: Type.Object({ sessions: Type.Array(SessionInfo), next_cursor: NextCursor }) },
          400,
          401,
          403,
          404,
        ),
      },
    },
    async (request) => {
      const user = await s.accounts.target(request.params.id);
      const limit = pageLimit(request.query.limit, DEFAULT_PAGE, MAX_PAGE);
      const page = await s.sessions.listPage(user.id, { limit, cursor: request.query.cursor });
      const sessions = page.items.map((x) => ({
        id: x.id,
        door: x.door,
        created_at: x.createdAt.toISOString(),
        expires_at: x.expiresAt.toISOString(),
        ip: x.ip,
        user_agent: x.userAgent,
      }));
      return { sessions, next_cursor: page.nextCursor };
    },
  );

  app.delete(
    '/users/:id/sessions/:session_id',
    {
      schema: {
        tags,
        summary: 'End one session and every credential of it',
        params: Type.Object({ id: Type.String({ format: 'uuid' }), session_id: Type.String({ format: 'uuid' }) }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const { id, session_id } = request.params as { id: string; session_id: string };
      if (!(await s.sessions.revoke(session_id, { userId: id, actor: actorOf(request) })))
        throw errors.notFound('No such live session of this user');
      return reply.code(204).send();
    },
  );

  app.delete(
    '/users/:id/sessions',
    {
      schema: {
        tags,
        summary: 'End every session of a user, in every dialect',
        params: Id,
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const user = await s.accounts.target(request.params.id);
      await s.sessions.revokeAll(user.id, { actor: actorOf(request), reason: 'admin' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/users/:id/tokens',
    {
      schema: {
        tags,
        summary: "A user's bearer tokens (never the tokens themselves), oldest first, a page at a time",
        params: Id,
        querystring: PageQuery,
        response: responses(
          { 200: Type.Object({ tokens: Type.Array(TokenInfo), next_cursor: NextCursor }) },
          400,
          401,
          403,
          404,
        ),
      },
    },
    async (request) => {
      const user = await s.accounts.target(request.params.id);
      const limit = pageLimit(request.query.limit, DEFAULT_PAGE, MAX_PAGE);
      const page = await s.apiTokens.listPage(user.id, 'bearer', { limit, cursor: request.query.cursor });
      return { tokens: page.items.map(tokenInfo), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/users/:id/tokens',
    {
      schema: {
        tags,
        summary: 'Create a bearer token for a user; shown once',
        params: Id,
        body: TokenBody,
        response: responses({ 201: NewToken }, 400, 401, 403, 404),
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await tokens.create((await s.accounts.target(request.params.id)).id, request.body, actorOf(request))),
  );

  app.post(
    '/users/:id/impersonate',
    {
      schema: {
        tags,
        summary:
          "An impersonation token for HumHub's API (voids the user's previous ones); 404 when HUMHUB_IMPERSONATION " +
          'is off',
        params: Id,
        response: responses({ 201: Impersonation }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const { token, expiresAt } = await s.impersonation.issue(request.params.id, actorOf(request));
      return reply.code(201).header('cache-control', 'no-store').send({ token, expires_at: expiresAt.toISOString() });
    },
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke a bearer token; it stops working at once',
        params: Id,
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      if (!(await s.apiTokens.revokeById(request.params.id, actorOf(request))))
        throw errors.notFound('No such live token');
      return reply.code(204).send();
    },
  );
}
