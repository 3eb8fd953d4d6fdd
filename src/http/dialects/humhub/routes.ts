import type { FastifyRequest } from 'fastify';
import { pipelineErrors, type LoginAttempt } from '../../../core/auth/pipeline.js';
import { AppError, errors } from '../../../core/errors.js';
import type { User } from '../../../core/users/service.js';
import type { Services } from '../../../services.js';
import { authorizationOf } from '../../authorization.js';
import { actorOf, clientInfo } from '../../client.js';
import type { App } from '../../types.js';
import type { HumhubConfig } from './config.js';
import { LoginError } from './envelope.js';
import { presentCurrent } from './present.js';
import { currentSchema, impersonateSchema, loginSchema } from './schemas.js';
import { createHumhubJwt } from './tokens.js';

/** Login failures in the login route's own shape; anything else keeps its meaning. */
function asLoginError(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  if (errors.secondFactorRequired.is(err) || errors.passkeyRequired.is(err)) return new LoginError(401, err.message);
  if (err.status === 401) return new LoginError(400, 'Wrong username or password');
  if (err.status === 429) return new LoginError(429, err.message, err.headers);
  return err;
}

/** HumHub's REST authentication: JWT login, bearer tokens, ?access-token=, Basic and impersonation. */
export async function humhubRoutes(app: App, s: Services, cfg: HumhubConfig) {
  const jwt = s.credentials.register(
    createHumhubJwt({
      keys: await s.dialectKeys.open('humhub', 'HS512', cfg.jwtExpiresSeconds),
      issuer: s.config.server.url,
      lifetimeSeconds: cfg.jwtExpiresSeconds,
      clock: s.clock,
      imported: { tokens: s.importedTokens, userIdOf: async (n) => (await s.users.getByNumericId(n))?.id },
    }),
  );
  const secondFactor = cfg.mfa === 'append' ? 'append' : 'none';

  /** One password login through the core pipeline; an MFA user without an appended code is refused. */
  async function passwordLogin(
    request: FastifyRequest,
    door: string,
    identifier: string,
    password: string,
    extra: Partial<LoginAttempt> = {},
  ): Promise<User> {
    const result = await s.pipeline.authenticate({
      door,
      identifier,
      password,
      secondFactor,
      client: clientInfo(request),
      ...extra,
    });
    if (result.kind !== 'authenticated') throw pipelineErrors.secondFactorRequired();
    return result.user;
  }

  const byApiToken = async (token: string) => {
    const resolved = await s.credentials.resolve(s.kinds.personal, token);
    return resolved.ok ? resolved.user : undefined;
  };

  /** The methods, in HumHub's order: JWT bearer, predefined bearer, ?access-token=, Basic, Impersonate. */
  async function authenticate(request: FastifyRequest): Promise<User> {
    const { scheme, credentials: value } = authorizationOf(request) ?? { scheme: '', credentials: '' };
    if (scheme === 'bearer' && value) {
      const byJwt = await s.credentials.resolve(jwt, value);
      if (byJwt.ok && (await s.authMethods.isOpen('jwt', byJwt.user.id))) return byJwt.user;
      const user = cfg.bearer && byJwt.reason === 'invalid' ? await byApiToken(value) : undefined;
      if (user) return user;
    }
    const queryToken = (request.query as Record<string, unknown>)['access-token'];
    if (cfg.queryToken && typeof queryToken === 'string') {
      const user = await byApiToken(queryToken);
      if (user) return user;
    }
    if (scheme === 'basic' && (await s.authMethods.mode('basic')) !== 'off') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        // Every Basic request is a login: the pipeline counts failures, and gives a success its place back.
        const user = await passwordLogin(request, 'humhub-basic', decoded.slice(0, colon), decoded.slice(colon + 1), {
          refundSuccess: true,
        });
        if (await s.authMethods.isOpen('basic', user.id)) return user;
      }
    }
    if (scheme === 'impersonate') {
      const resolved = await s.credentials.resolve(s.impersonation.kind, value);
      if (resolved.ok) return resolved.user;
    }
    throw errors.unauthenticated();
  }

  /** Whether the request signs in with an impersonation token (which acts as its target, never as an admin). */
  const impersonating = (request: FastifyRequest) => authorizationOf(request)?.scheme === 'impersonate';

  // A field of the wrong type gets HumHub's answer to any bad login, in the login shape.
  app.post('/api/v1/auth/login', { schema: loginSchema, attachValidation: true }, async (request, reply) => {
    if ((await s.authMethods.mode('jwt')) === 'off')
      throw errors.routeNotFound('JWT authentication is disabled (HUMHUB_JWT=off)');
    const body = (request.validationError ? {} : (request.body ?? {})) as {
      username?: unknown;
      email?: unknown;
      password?: unknown;
    };
    const name = typeof body.username === 'string' ? body.username : body.email;
    if (typeof name !== 'string' || !name || typeof body.password !== 'string' || !body.password)
      throw new LoginError(400, 'Wrong username or password');
    const user = await passwordLogin(request, 'humhub', name, body.password).catch((err: unknown) => {
      throw asLoginError(err);
    });
    if (!(await s.authMethods.isOpen('jwt', user.id))) throw new LoginError(401, 'Invalid user!');
    const { credential } = await s.credentials.issue(jwt, user, clientInfo(request), undefined);
    const { token, expiresAt } = credential;
    reply.header('cache-control', 'no-store');
    return { code: 200, message: 'Success', auth_token: token, expired_at: expiresAt };
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/auth/current',
    schema: currentSchema,
    handler: async (request, reply) => {
      const user = await authenticate(request);
      reply.header('cache-control', 'no-store');
      return presentCurrent(user, s.config.server.url);
    },
  });

  app.post('/api/v1/auth/impersonate', { schema: impersonateSchema }, async (request, reply) => {
    if (!s.impersonation.enabled) throw errors.routeNotFound('Impersonation is disabled (HUMHUB_IMPERSONATION=false)');
    const caller = await authenticate(request);
    // An impersonated admin's token must not mint more impersonations: they would outlive its issuer's
    // rights and audit the impersonated admin as their author.
    if (!caller.roles.includes('admin') || impersonating(request)) {
      throw errors.forbidden('You are not allowed to impersonate users.');
    }
    // HumHub's ids are integers (users.numeric_id); the UUID (HumHub's guid) is accepted too.
    const userId = (request.body as { userId?: unknown } | undefined)?.userId;
    const numeric =
      typeof userId === 'number'
        ? userId
        : typeof userId === 'string' && /^[0-9]{1,15}$/.test(userId)
          ? Number(userId)
          : undefined;
    const target =
      numeric !== undefined && Number.isSafeInteger(numeric)
        ? await s.users.getByNumericId(numeric)
        : typeof userId === 'string' && /^[0-9a-f-]{36}$/i.test(userId)
          ? await s.users.get(userId)
          : undefined;
    if (!target) throw errors.notFound('User not found!');
    const { token, expiresAt } = await s.impersonation.issue(target.id, {
      ...actorOf(request),
      kind: 'user',
      id: caller.id,
    });
    reply.header('cache-control', 'no-store');
    return { token, expires: Math.floor(expiresAt.getTime() / 1000) };
  });
}
