import { createSecretKey } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SignJWT, jwtVerify } from 'jose';
import { AppError, errors } from '../../../core/errors.js';
import type { User } from '../../../core/users/service.js';
import type { Services } from '../../../services.js';
import { toAppError } from '../../plugins/errors.js';
import type { App } from '../../types.js';

const IMPERSONATION_PREFIX = 'impersonated-';
const STATUS_NAMES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' };

/** A login failure in HumHub's own login shape ({code, message}), unlike the Yii errors of the other routes. */
class LoginError extends AppError {
  constructor(status: 400 | 401, message: string) {
    super('humhub-login', status, message);
  }
}

/** HumHub's REST authentication: JWT login, bearer tokens, ?access-token=, Basic and impersonation. */
export async function humhubDialect(app: App, s: Services) {
  await app.register(formbody);
  const cfg = s.config.humhub;
  const key = createSecretKey(s.secret('humhub-jwt'));
  const issuer = s.config.server.url;

  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof LoginError) return reply.code(err.status).send({ code: err.status, message: err.message });
    const known = toAppError(err);
    if (known?.status === 401) return reply.code(401).send({ name: 'Unauthorized', message: 'Your request was made with invalid credentials.', code: 0, status: 401 });
    if (known) return reply.code(known.status).send({ name: STATUS_NAMES[known.status] ?? 'Error', message: known.message, code: 0, status: known.status });
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ name: 'Internal Server Error', message: 'An internal server error occurred.', code: 0, status: 500 });
  });

  /** The mode of a method: set through the admin API, else from the configuration. */
  const modeOf = async (method: 'jwt' | 'basic') => ((await s.queries.apiTokens.methodMode(method)) ?? cfg[method]) as 'all' | 'selected' | 'off';

  /** Whether a method that can be limited to selected users is open to this one. */
  async function methodOpen(method: 'jwt' | 'basic', user: User): Promise<boolean> {
    const mode = await modeOf(method);
    return mode === 'all' || (mode === 'selected' && (await s.queries.apiTokens.methodAllowed(method, user.id)));
  }

  const live = (user: User | undefined) => (user && user.active && !user.disabled ? user : undefined);

  async function byJwt(token: string): Promise<User | undefined> {
    const claims = await jwtVerify(token, key, { algorithms: ['HS512'], issuer, currentDate: s.clock.now(), clockTolerance: 30 }).then((r) => r.payload, () => undefined);
    if (typeof claims?.uid !== 'string') return undefined;
    const user = live(await s.users.get(claims.uid));
    return user && (await methodOpen('jwt', user)) ? user : undefined;
  }

  async function byApiToken(token: string, kind: 'bearer' | 'impersonation'): Promise<User | undefined> {
    const found = await s.apiTokens.verify(token, kind);
    return found && live(await s.users.get(found.userId));
  }

  /** The methods, in HumHub's order: JWT bearer, predefined bearer, ?access-token=, Basic, Impersonate. */
  async function authenticate(request: FastifyRequest): Promise<User> {
    const header = request.headers.authorization ?? '';
    const [scheme, value] = [header.split(' ')[0]?.toLowerCase(), header.slice(header.indexOf(' ') + 1).trim()];
    if (scheme === 'bearer' && value) {
      const user = (await byJwt(value)) ?? (cfg.bearer ? await byApiToken(value, 'bearer') : undefined);
      if (user) return user;
    }
    const queryToken = (request.query as Record<string, unknown>)['access-token'];
    if (cfg.queryToken && typeof queryToken === 'string') {
      const user = await byApiToken(queryToken, 'bearer');
      if (user) return user;
    }
    if (scheme === 'basic' && (await modeOf('basic')) !== 'off') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        const user = await s.auth.checkPassword({ email: decoded.slice(0, colon), password: decoded.slice(colon + 1) }).catch(() => undefined);
        if (user && (await methodOpen('basic', user))) return user;
      }
    }
    if (scheme === 'impersonate' && cfg.impersonation && value.startsWith(IMPERSONATION_PREFIX)) {
      const user = await byApiToken(value.slice(IMPERSONATION_PREFIX.length), 'impersonation');
      if (user) return user;
    }
    throw errors.unauthenticated();
  }

  function current(user: User) {
    const [firstname = '', ...rest] = (user.displayName ?? '').split(' ');
    return {
      id: user.id,
      guid: user.id,
      display_name: user.displayName ?? user.email,
      url: `${s.config.server.url}/u/${user.id}`,
      account: {
        id: user.id,
        guid: user.id,
        username: user.email,
        email: user.email,
        visibility: 1,
        status: 1,
        tags: '',
        language: user.locale ?? '',
        time_zone: '',
        contentcontainer_id: user.id,
        authclient: 'local',
        authclient_id: null,
        last_login: user.lastLoginAt?.toISOString() ?? null,
      },
      profile: { firstname, lastname: rest.join(' '), title: '', gender: '', street: '', zip: '', city: '', country: '', about: '' },
    };
  }

  app.post('/api/v1/auth/login', { schema: { hide: true } }, async (request) => {
    if ((await modeOf('jwt')) === 'off') throw errors.routeNotFound('JWT authentication is disabled (HUMHUB_JWT=off)');
    const body = (request.body ?? {}) as { username?: unknown; email?: unknown; password?: unknown };
    const name = typeof body.username === 'string' ? body.username : body.email;
    if (typeof name !== 'string' || !name || typeof body.password !== 'string' || !body.password) throw new LoginError(400, 'Wrong username or password');
    const user = await s.auth.checkPassword({ email: name, password: body.password }).catch((err: unknown) => {
      if (err instanceof AppError && err.status === 401) throw new LoginError(400, 'Wrong username or password');
      throw err;
    });
    if (!(await methodOpen('jwt', user))) throw new LoginError(401, 'Invalid user!');
    const now = Math.floor(s.clock.now().getTime() / 1000);
    const expiredAt = now + cfg.jwtExpiresSeconds;
    const token = await new SignJWT({ uid: user.id, email: user.email })
      .setProtectedHeader({ alg: 'HS512', typ: 'JWT' })
      .setIssuedAt(now)
      .setIssuer(issuer)
      .setNotBefore(now)
      .setExpirationTime(expiredAt)
      .sign(key);
    return { code: 200, message: 'Success', auth_token: token, expired_at: expiredAt };
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/auth/current',
    schema: { hide: true },
    handler: async (request) => current(await authenticate(request)),
  });

  app.post('/api/v1/auth/impersonate', { schema: { hide: true } }, async (request) => {
    if (!cfg.impersonation) throw errors.routeNotFound('Impersonation is disabled (HUMHUB_IMPERSONATION=false)');
    const caller = await authenticate(request);
    if (!caller.roles.includes('admin')) throw errors.forbidden('You are not allowed to impersonate users.');
    const userId = (request.body as { userId?: unknown } | undefined)?.userId;
    const target = typeof userId === 'string' && /^[0-9a-f-]{36}$/i.test(userId) ? await s.users.get(userId) : undefined;
    if (!target) throw errors.notFound('User not found!');
    const { token, expiresAt } = await s.apiTokens.replace(target.id, 'impersonation', cfg.impersonationMinutes * 60_000);
    return { token: `${IMPERSONATION_PREFIX}${token}`, expires: Math.floor(expiresAt!.getTime() / 1000) };
  });
}
