import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors.js';
import type { LimitInfo } from '../../../core/throttle/rate-limiter.js';
import { isValidUsername, type User } from '../../../core/users/service.js';
import type { Services } from '../../../services.js';
import { actorOf, clientInfo } from '../../client.js';
import type { App } from '../../types.js';
import { sendAvatar } from '../avatar.js';
import type { RocketchatConfig } from './config.js';
import { TotpError } from './envelope.js';
import { parseLogin } from './login-body.js';
import { me } from './present.js';
import { avatarSchema, loginSchema, logoutSchema, meSchema } from './schemas.js';
import { createResumeTokens } from './tokens.js';

/** Rocket.Chat's REST login, logout and `me`, over the same users, pipeline and sessions as every dialect. */
export async function rocketchatRoutes(app: App, s: Services, cfg: RocketchatConfig) {
  const resume = s.credentials.register(
    createResumeTokens({ apiTokens: s.apiTokens, lifetimeMs: cfg.tokenDays * 24 * 3600 * 1000 }),
  );
  const serverUrl = s.config.server.url;
  /** The `_id` Rocket.Chat's clients know: the one an import kept, else the Gatehouse id. */
  const rocketchatId = async (userId: string) => (await s.foreignIds.of(userId, 'rocketchat')) ?? userId;
  const success = async (user: User, authToken: string) => {
    const id = await rocketchatId(user.id);
    return {
      status: 'success' as const,
      data: { userId: id, authToken, me: me(user, serverUrl, id) },
      success: true as const,
    };
  };
  /** Rocket.Chat's X-RateLimit-* headers, from the door's own per-IP login window. */
  const rateHeaders = (reply: FastifyReply) => (r: LimitInfo) =>
    reply.headers({
      'x-ratelimit-limit': r.limit,
      'x-ratelimit-remaining': r.remaining,
      'x-ratelimit-reset': r.resetAt,
    });

  /** X-User-Id + X-Auth-Token: the user and the token's session, or 401. */
  async function caller(request: FastifyRequest): Promise<{ user: User; sessionId: string; id: string }> {
    const userId = request.headers['x-user-id'];
    const token = request.headers['x-auth-token'];
    if (typeof userId !== 'string' || typeof token !== 'string') throw errors.unauthenticated();
    const resolved = await s.credentials.resolve(resume, token);
    if (resolved.reason === 'invalid') throw errors.unauthenticated();
    const id = resolved.claims.userId === userId ? userId : await rocketchatId(resolved.claims.userId);
    if (id !== userId) throw errors.unauthenticated();
    if (!resolved.ok) throw errors.invalidToken();
    return { user: resolved.user, sessionId: resolved.claims.sessionId, id };
  }

  app.post('/api/v1/login', { schema: loginSchema }, async (request, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const login = parseLogin(request.body, request.headers['x-2fa-code']);
    if (login.kind === 'resume') {
      const resolved = await s.credentials.resolve(resume, login.token);
      if (!resolved.ok) throw resolved.reason === 'invalid' ? errors.unauthenticated() : errors.invalidToken();
      return success(resolved.user, login.token);
    }
    const result = await s.pipeline
      .authenticate({
        door: 'rocketchat',
        identifier: login.name,
        ...login.password,
        secondFactor: 'code',
        code: login.code,
        client: clientInfo(request),
        doorLimit: { max: cfg.loginPerIp, report: rateHeaders(reply) },
      })
      .catch((err: unknown) => {
        // The core's wrong-code error, in Rocket.Chat's own words.
        throw errors.invalidMfaCode.is(err) ? new TotpError('totp-invalid') : err;
      });
    if (result.kind !== 'authenticated') throw new TotpError('totp-required');
    const { credential } = await s.credentials.issue(resume, result.user, clientInfo(request), undefined);
    return success(result.user, credential);
  });

  app.get('/api/v1/me', { schema: meSchema }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    // Built in place rather than spread: a hot path (docs/performance.md, "Object shapes").
    const { user, id } = await caller(request);
    return Object.assign(me(user, serverUrl, id), { success: true as const });
  });

  // Rocket.Chat's clients log out with POST (a JSON content type and no body) or GET.
  app.route({
    method: ['GET', 'POST'],
    url: '/api/v1/logout',
    schema: logoutSchema,
    handler: async (request) => {
      const { user, sessionId } = await caller(request);
      await s.sessions.revoke(sessionId, {
        userId: user.id,
        actor: { ...actorOf(request), kind: 'user', id: user.id },
      });
      return { status: 'success' as const, data: { message: "You've been logged out!" } };
    },
  });

  // Rocket.Chat draws initials for any name it is asked for, so the answer does not tell whether the user exists.
  app.get('/avatar/:username', { schema: avatarSchema }, async (request, reply) => {
    const name = request.params.username;
    const user = isValidUsername(name) ? await s.users.findByLogin(name) : undefined;
    return sendAvatar(request, reply, user, name);
  });
}
