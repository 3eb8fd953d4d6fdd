import { createSecretKey } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SignJWT, jwtVerify } from 'jose';
import { AppError } from '../../../core/errors.js';
import { createIdpVerifier } from '../../../core/idp/tenants.js';
import type { Services } from '../../../services.js';
import { toAppError } from '../../plugins/errors.js';
import type { App } from '../../types.js';

const ISSUER = 'datarhei-core';
type Use = 'access' | 'refresh';

class CoreError extends AppError {
  constructor(status: 400 | 401, detail: string) {
    super(status === 400 ? 'bad-request' : 'unauthorized', status, detail);
  }
}
const missingCredentials = () => new CoreError(400, 'Missing authorization credentials');
const badJwt = () => new CoreError(401, 'Missing or invalid JWT token');

/** datarhei Core's login API: HS256 JWTs of its own shape, signed with a key derived from the server secret. */
export async function datarheiDialect(app: App, s: Services, version: string) {
  const key = createSecretKey(s.secret('datarhei-jwt'));
  const idp = createIdpVerifier(s.config.datarhei.tenants, s.clock);
  const lifetimes: Record<Use, number> = { access: s.config.datarhei.accessMinutes * 60, refresh: s.config.datarhei.refreshMinutes * 60 };

  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof CoreError) return reply.code(err.status).send({ code: err.status, message: err.status === 400 ? 'Bad Request' : 'Unauthorized', details: [err.message] });
    const known = toAppError(err);
    if (known?.status === 401) return reply.code(401).send({ code: 401, message: 'Unauthorized', details: ['Invalid authorization credentials: invalid username or password'] });
    if (known && [400, 413, 415].includes(known.status)) return reply.code(400).send({ code: 400, message: 'Bad Request', details: ['Missing authorization credentials'] });
    if (known) return reply.code(known.status).send({ code: known.status, message: known.message, details: [] });
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ code: 500, message: 'Internal Server Error', details: [] });
  });

  /** Local tokens; an identity from an external provider keeps its issuer in `idp`. */
  async function sign(subject: { id: string; idp?: string }, use: Use): Promise<string> {
    const iat = Math.floor(s.clock.now().getTime() / 1000);
    return new SignJWT({ usefor: use, exi: lifetimes[use], ...(subject.idp ? { idp: subject.idp } : {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(subject.id)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetimes[use])
      .setJti(s.random.uuid())
      .sign(key);
  }

  /** The subject of a valid Bearer token made for `use`: a local user, or a still-allowed IdP subject; anything else is 401. */
  async function bearer(request: FastifyRequest, use: Use): Promise<{ id: string; idp?: string }> {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw badJwt();
    const claims = await jwtVerify(match[1]!, key, { algorithms: ['HS256'], issuer: ISSUER, currentDate: s.clock.now(), clockTolerance: 30 })
      .then((r) => r.payload)
      .catch(() => undefined);
    if (!claims || claims.usefor !== use || typeof claims.sub !== 'string') throw badJwt();
    if (typeof claims.idp === 'string') {
      if (!idp.allowed(claims.idp, claims.sub)) throw badJwt();
      return { id: claims.sub, idp: claims.idp };
    }
    const user = await s.users.get(claims.sub);
    if (!user || !user.active || user.disabled) throw badJwt();
    return user;
  }

  const about = { app: 'datarhei-core', auths: ['localjwt'], version: { number: version } };

  app.get('/api', { schema: { hide: true } }, async (request) => {
    if (!request.headers.authorization) return about;
    await bearer(request, 'access');
    const started = s.startedAt;
    return { ...about, name: 'gatehouse', id: s.config.server.url, created_at: started.toISOString(), uptime_seconds: Math.floor((s.clock.now().getTime() - started.getTime()) / 1000) };
  });

  app.post('/api/login', { schema: { hide: true } }, async (request) => {
    const body = request.body as { username?: unknown; password?: unknown } | undefined;
    if (!body && request.headers.authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization);
      if (!match) throw missingCredentials();
      const result = await idp.verify(match[1]!);
      if (!result.ok) {
        if (result.reason === 'unknown-issuer') throw new CoreError(400, 'Unknown issuer');
        if (result.reason === 'user-not-allowed') throw new CoreError(401, 'User not allowed');
        throw new CoreError(401, 'Invalid token');
      }
      const subject = { id: result.subject, idp: result.issuer };
      return { access_token: await sign(subject, 'access'), refresh_token: await sign(subject, 'refresh') };
    }
    if (!body || typeof body.username !== 'string' || typeof body.password !== 'string' || !body.username || !body.password) throw missingCredentials();
    const user = await s.auth.checkPassword({ email: body.username, password: body.password });
    return { access_token: await sign(user, 'access'), refresh_token: await sign(user, 'refresh') };
  });

  app.get('/api/login/refresh', { schema: { hide: true } }, async (request) => ({ access_token: await sign(await bearer(request, 'refresh'), 'access') }));
}
