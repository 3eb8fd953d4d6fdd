import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors.js';
import type { User } from '../../../core/users/service.js';
import type { Services } from '../../../services.js';
import { actorOf, clientInfo } from '../../client.js';
import type { App } from '../../types.js';
import type { RocketchatConfig } from './config.js';
import { TotpError } from './envelope.js';
import { me } from './present.js';
import { loginSchema, logoutSchema, meSchema } from './schemas.js';
import { createResumeTokens } from './tokens.js';

type LoginBody = {
  user?: unknown;
  username?: unknown;
  email?: unknown;
  password?: unknown;
  resume?: unknown;
  code?: unknown;
};

/** The login name of any of Rocket.Chat's body shapes. */
function loginName(body: LoginBody): unknown {
  if (typeof body.user === 'string') return body.user;
  if (body.user && typeof body.user === 'object') {
    const u = body.user as { email?: unknown; username?: unknown };
    return u.email ?? u.username;
  }
  return body.username ?? body.email;
}

/** The password in either of Rocket.Chat's forms: plain, or `{digest: <SHA-256 hex>, algorithm: 'sha-256'}`. */
function passwordOf(value: unknown): { password: string; digest?: string } | undefined {
  if (typeof value === 'string') return { password: value };
  const d = value as { digest?: unknown; algorithm?: unknown } | null;
  if (
    d &&
    typeof d === 'object' &&
    d.algorithm === 'sha-256' &&
    typeof d.digest === 'string' &&
    /^[0-9a-fA-F]{64}$/.test(d.digest)
  )
    return { password: '', digest: d.digest };
  return undefined;
}

/** Rocket.Chat's REST login, logout and `me`, over the same users, pipeline and sessions as every dialect. */
export async function rocketchatRoutes(app: App, s: Services, cfg: RocketchatConfig) {
  const resume = s.credentials.register(
    createResumeTokens({ apiTokens: s.apiTokens, lifetimeMs: cfg.tokenDays * 24 * 3600 * 1000 }),
  );
  const serverUrl = s.config.server.url;

  /** X-User-Id + X-Auth-Token: the user and the token's session, or 401. */
  async function caller(request: FastifyRequest): Promise<{ user: User; sessionId: string }> {
    const userId = request.headers['x-user-id'];
    const token = request.headers['x-auth-token'];
    if (typeof userId !== 'string' || typeof token !== 'string') throw errors.unauthenticated();
    const resolved = await s.credentials.resolve(resume, token);
    if (resolved.reason === 'invalid' || resolved.claims.userId !== userId) throw errors.unauthenticated();
    if (!resolved.ok) throw errors.invalidToken();
    return { user: resolved.user, sessionId: resolved.claims.sessionId };
  }

  app.post('/api/v1/login', { schema: loginSchema }, async (request, reply: FastifyReply) => {
    const body = (request.body ?? {}) as LoginBody;
    reply.header('cache-control', 'no-store');
    if (body.resume !== undefined) {
      if (typeof body.resume !== 'string') throw errors.validation('resume must be a string');
      const resolved = await s.credentials.resolve(resume, body.resume);
      if (!resolved.ok) throw resolved.reason === 'invalid' ? errors.unauthenticated() : errors.invalidToken();
      const { user } = resolved;
      return {
        status: 'success' as const,
        data: { userId: user.id, authToken: body.resume, me: me(user, serverUrl) },
        success: true as const,
      };
    }
    const name = loginName(body);
    const header = request.headers['x-2fa-code'];
    const code = body.code ?? (typeof header === 'string' ? header : undefined);
    const password = passwordOf(body.password);
    // A value of the wrong type (an object, a boolean) is a bad request, not a login attempt.
    if (
      (name !== undefined && typeof name !== 'string') ||
      (body.user !== undefined && typeof name !== 'string') ||
      (body.password !== undefined && !password)
    )
      throw errors.validation('user and password must be strings (or password a sha-256 digest)');
    if (typeof name !== 'string' || !password) throw errors.unauthenticated();
    if (code !== undefined && typeof code !== 'string') throw errors.validation('code must be a string');
    const result = await s.pipeline
      .authenticate({
        door: 'rocketchat',
        identifier: name,
        ...password,
        secondFactor: 'code',
        code: code || undefined,
        client: clientInfo(request),
        doorLimit: {
          max: cfg.loginPerIp,
          report: (r) =>
            reply.headers({
              'x-ratelimit-limit': r.limit,
              'x-ratelimit-remaining': r.remaining,
              'x-ratelimit-reset': r.resetAt,
            }),
        },
      })
      .catch((err: unknown) => {
        throw (err as { code?: string }).code === 'invalid-mfa-code' ? new TotpError('totp-invalid') : err;
      });
    if (result.kind !== 'authenticated') throw new TotpError('totp-required');
    const { credential: token } = await s.credentials.issue(resume, result.user, clientInfo(request), undefined);
    return {
      status: 'success' as const,
      data: { userId: result.user.id, authToken: token, me: me(result.user, serverUrl) },
      success: true as const,
    };
  });

  app.get('/api/v1/me', { schema: meSchema }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    // `success` added to the new object, not after a spread (which costs a new hidden class per request on Node 20).
    return Object.assign(me((await caller(request)).user, serverUrl), { success: true as const });
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
}
