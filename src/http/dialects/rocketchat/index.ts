import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errors } from '../../../core/errors.js';
import type { User } from '../../../core/users/service.js';
import type { Services } from '../../../services.js';
import { toAppError } from '../../plugins/errors.js';
import type { App } from '../../types.js';

const KIND = 'rocketchat';
const UNAUTHORIZED = { success: false, status: 'error', error: 'Unauthorized', message: 'Unauthorized' };

class TotpError extends AppError {
  constructor(readonly rcError: 'totp-required' | 'totp-invalid') {
    super(rcError, 401, rcError === 'totp-required' ? 'TOTP Required' : 'TOTP Invalid [totp-invalid]');
  }
}

/** Rocket.Chat's user object (`me`). Gatehouse has no usernames: the email stands in. */
function me(user: User) {
  return {
    _id: user.id,
    username: user.email,
    name: user.displayName ?? user.email,
    emails: [{ address: user.email, verified: user.emailVerified }],
    status: 'online',
    active: user.active && !user.disabled,
    roles: user.roles,
    settings: { preferences: {} },
    avatarUrl: user.avatarUrl ?? `/avatar/${encodeURIComponent(user.email)}`,
    utcOffset: 0,
  };
}

type LoginBody = {
  user?: string | { username?: string; email?: string };
  username?: string;
  email?: string;
  password?: string;
  resume?: string;
  code?: string;
};

/** The login name of any of Rocket.Chat's body shapes. */
function loginName(body: LoginBody): string | undefined {
  if (typeof body.user === 'string') return body.user;
  if (body.user && typeof body.user === 'object') return body.user.email ?? body.user.username;
  return body.username ?? body.email;
}

/** Rocket.Chat's REST login, logout and `me`, over the same users and credentials as every dialect. */
export async function rocketchatDialect(app: App, s: Services) {
  await app.register(formbody);
  const lifetime = s.config.rocketchat.tokenDays * 24 * 3600 * 1000;
  const windowMs = s.config.rateLimit.windowSeconds * 1000;

  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toAppError(err);
    if (err instanceof TotpError) {
      return reply.code(401).send({ success: false, status: 'error', error: err.rcError, message: err.message, details: { method: 'totp', availableMethods: ['totp'] } });
    }
    if (known?.status === 401) return reply.code(401).send(UNAUTHORIZED);
    if (known?.status === 429) return reply.code(429).send({ success: false, error: known.message });
    if (known) return reply.code(known.status).send({ success: false, error: known.message });
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ success: false, error: 'Internal server error' });
  });

  /** Login limit per IP, with Rocket.Chat's X-RateLimit-* headers on every answer. */
  async function limitLogin(request: FastifyRequest, reply: FastifyReply) {
    if (!s.limits) return;
    const max = s.config.rocketchat.loginPerIp;
    const hit = await s.limits.hit(`rc-login:${request.ip}`, windowMs);
    reply.headers({
      'x-ratelimit-limit': max,
      'x-ratelimit-remaining': Math.max(0, max - hit.count),
      'x-ratelimit-reset': s.clock.now().getTime() + hit.resetInMs,
    });
    if (hit.count > max) {
      const wait = Math.ceil(hit.resetInMs / 1000);
      throw new AppError('rate-limited', 429, `Error, too many requests. Please slow down. You must wait ${wait} seconds before trying this endpoint again. [error-too-many-requests]`);
    }
  }

  /** X-User-Id + X-Auth-Token: the user, or 401. */
  async function caller(request: FastifyRequest): Promise<{ user: User; token: string }> {
    const userId = request.headers['x-user-id'];
    const token = request.headers['x-auth-token'];
    if (typeof userId !== 'string' || typeof token !== 'string') throw errors.unauthenticated();
    const found = await s.apiTokens.verify(token, KIND);
    const user = found?.userId === userId ? await s.users.get(userId) : undefined;
    if (!user || !user.active || user.disabled) throw errors.unauthenticated();
    return { user, token };
  }

  async function secondFactor(request: FastifyRequest, user: User, body: LoginBody) {
    const header = request.headers['x-2fa-code'];
    const code = body.code ?? (typeof header === 'string' ? header : undefined);
    if (!code) throw new TotpError('totp-required');
    const attempt = await s.mfaThrottle.begin(`mfa:${user.id}`);
    if (!(await s.mfa.verify(user.id, code))) {
      attempt.fail();
      throw new TotpError('totp-invalid');
    }
    await attempt.succeed();
  }

  app.post('/api/v1/login', { schema: { hide: true }, preHandler: limitLogin }, async (request) => {
    const body = (request.body ?? {}) as LoginBody;
    if (typeof body.resume === 'string') {
      const found = await s.apiTokens.verify(body.resume, KIND);
      const user = found && (await s.users.get(found.userId));
      if (!user || !user.active || user.disabled) throw errors.unauthenticated();
      return { status: 'success', data: { userId: user.id, authToken: body.resume, me: me(user) }, success: true };
    }
    const name = loginName(body);
    if (typeof name !== 'string' || typeof body.password !== 'string') throw errors.unauthenticated();
    const user = await s.auth.checkPassword({ email: name, password: body.password });
    if (user.mfaEnabled) await secondFactor(request, user, body);
    const { token } = await s.apiTokens.issue(user.id, KIND, lifetime);
    return { status: 'success', data: { userId: user.id, authToken: token, me: me(user) }, success: true };
  });

  app.get('/api/v1/me', { schema: { hide: true } }, async (request) => ({ ...me((await caller(request)).user), success: true }));

  app.post('/api/v1/logout', { schema: { hide: true } }, async (request) => {
    const { token } = await caller(request);
    await s.apiTokens.revoke(token);
    return { status: 'success', data: { message: "You've been logged out!" } };
  });
}
