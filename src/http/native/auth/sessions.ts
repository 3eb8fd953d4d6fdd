import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors.js';
import type { Services } from '../../../services.js';
import { optionalUser } from '../../plugins/auth-guard.js';
import { cookieWriteAllowed } from '../../plugins/cookie-origin.js';
import { emptyBodyIsObject, NoContent, responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { authLimits } from './limits.js';
import { clearRefreshCookie, clientInfo, refreshCookie, sessionBody } from './session-reply.js';

const RefreshQuery = Type.Object({ refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) });
const LogoutBody = Type.Object({
  all: Type.Optional(Type.Boolean({ default: false, description: 'End every session of the user' })),
  refresh_token: Type.Optional(Type.String({ maxLength: 512 })),
});

/** Refresh, logout and revoke: everything that works on an existing session. */
export function registerSessionRoutes(app: App, s: Services) {
  const limits = authLimits(s);
  const { cookies } = s.config;
  /** The refresh cookie ends sessions only for a page of an allowed origin: a cross-site form cannot log anyone out. */
  const writableRefreshCookie = (request: FastifyRequest) =>
    cookieWriteAllowed(request, s.config.cors.origins) ? refreshCookie(request) : undefined;

  app.get(
    '/token/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token (query or cookie) for a new session; the old token is rotated',
        querystring: RefreshQuery,
        response: responses({ 200: Type.Ref('Session') }, 400, 401, 429),
      },
      preHandler: limits.refresh,
    },
    async (request, reply) => {
      const fromQuery = request.query.refresh_token;
      const token = fromQuery ?? refreshCookie(request);
      if (!token) throw errors.invalidRefreshToken('No refresh token given');
      const session = await s.auth.refresh(token, clientInfo(request), limits.refreshAccount);
      return sessionBody(reply, cookies, session, fromQuery === undefined);
    },
  );

  app.post(
    '/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End this session (refresh token from cookie, query or body, or the bearer token), or all sessions',
        querystring: RefreshQuery,
        body: LogoutBody,
        response: responses({ 204: NoContent }, 400, 401),
      },
      onRequest: optionalUser(s),
      preValidation: emptyBodyIsObject,
    },
    async (request, reply) => {
      const refreshToken = request.query.refresh_token ?? request.body.refresh_token ?? writableRefreshCookie(request);
      await s.auth.logout({
        refreshToken,
        caller: request.principal ?? undefined,
        all: request.body.all === true,
        client: clientInfo(request),
      });
      clearRefreshCookie(reply, cookies);
      return reply.code(204).send();
    },
  );

  app.post(
    '/token/revoke',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke every refresh token of the user (same as logout with all: true)',
        querystring: RefreshQuery,
        response: responses({ 204: NoContent }, 401),
      },
      onRequest: optionalUser(s),
    },
    async (request, reply) => {
      const refreshToken = request.query.refresh_token ?? writableRefreshCookie(request);
      await s.auth.logout({
        refreshToken,
        caller: request.principal ?? undefined,
        all: true,
        client: clientInfo(request),
      });
      clearRefreshCookie(reply, cookies);
      return reply.code(204).send();
    },
  );
}
