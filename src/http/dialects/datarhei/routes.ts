import type { FastifyRequest } from 'fastify';
import { pipelineErrors } from '../../../core/auth/pipeline.js';
import type { Services } from '../../../services.js';
import { authorizationOf, bearerOf } from '../../authorization.js';
import { clientInfo } from '../../client.js';
import type { App } from '../../types.js';
import { isUnknownPath } from '../manifest.js';
import type { DatarheiConfig } from './config.js';
import { badJwt, CoreError, missingCredentials } from './envelope.js';
import { createIdpVerifier } from './idp.js';
import { aboutSchema, loginSchema, refreshSchema } from './schemas.js';
import { createDatarheiJwt, createDatarheiKinds, type Subject, type Use } from './tokens.js';

/** datarhei Core's login API over the core pipeline and session registry. */
export async function datarheiRoutes(app: App, s: Services, cfg: DatarheiConfig) {
  const IDP_REFUSALS = {
    'user-not-allowed': 'User not allowed',
    'no-expiry': 'Token has no expiry',
    'lifetime-too-long': 'Token lifetime too long',
    'invalid-token': 'Invalid token',
  };
  const idp = createIdpVerifier(cfg.tenants, s.clock, cfg.idpMaxTokenMinutes * 60);
  const lifetimes = { access: cfg.accessMinutes * 60, refresh: cfg.refreshMinutes * 60 };
  const jwt = createDatarheiJwt({
    keys: await s.dialectKeys.open('datarhei', 'HS256', Math.max(lifetimes.access, lifetimes.refresh)),
    clock: s.clock,
    random: s.random,
    lifetimes,
  });

  const kinds = createDatarheiKinds(jwt, lifetimes.refresh, {
    tokens: s.importedTokens,
    userIdOf: async (name) => (await s.users.findByLogin(name))?.id,
  });
  s.credentials.register(kinds.access);
  const pair = s.credentials.register(kinds.pair);

  /** The subject of a valid Bearer token made for `use`, still allowed: a live session, or a listed subject. */
  async function bearer(request: FastifyRequest, use: Use): Promise<Subject> {
    const token = bearerOf(request);
    if (!token) throw badJwt();
    const local = await s.credentials.resolve(use === 'access' ? kinds.access : pair, token);
    if (local.ok) return { id: local.claims.userId, sessionId: local.claims.sessionId };
    if (local.reason === 'ended') throw badJwt();
    // Not a local user's: an identity provider's subject, which has no session but must still be listed.
    const subject = await jwt.verify(token, use);
    if (subject?.idp === undefined || !idp.allowed(subject.idp, subject.id)) throw badJwt();
    return subject;
  }

  // Core's `auths`: its own login, then each identity provider as restreamer-ui parses it ("auth0 domain=… audience=…
  // clientid=…").
  const auths = [
    'localjwt',
    ...cfg.tenants.map((t) => `auth0 domain=${new URL(t.issuer).host} audience=${t.audience} clientid=${t.clientId}`),
  ];
  // Without a valid access token Core answers only this, with the major version (its JWT error handler special-cases
  // /api).
  const minimal = { app: 'datarhei-core', auths, version: { number: `${cfg.coreVersion.split('.')[0]}.0.0` } };

  // Core's /api group runs its JWT middleware before routing: an unknown path there needs a valid access token first.
  app.addHook('onRequest', async (request) => {
    if (isUnknownPath(request)) await bearer(request, 'access');
  });

  app.get('/api', { schema: aboutSchema }, async (request) => {
    const subject = await bearer(request, 'access').catch(() => undefined);
    if (!subject) return minimal;
    const started = s.startedAt;
    return {
      app: 'datarhei-core',
      auths,
      name: 'gatehouse',
      id: s.config.server.url,
      created_at: started.toISOString(),
      uptime_seconds: Math.floor((s.clock.now().getTime() - started.getTime()) / 1000),
      version: {
        number: cfg.coreVersion,
        repository_commit: '',
        repository_branch: '',
        build_date: '',
        arch: `${process.platform}/${process.arch}`,
        compiler: `node ${process.version}`,
      },
    };
  });

  app.post('/api/login', { schema: loginSchema }, async (request, reply) => {
    const body = request.body ?? undefined;
    reply.header('cache-control', 'no-store');
    const client = clientInfo(request);
    if (!body && authorizationOf(request)) {
      const token = bearerOf(request);
      if (!token) throw missingCredentials();
      // An identity provider's token: the pipeline's IP window and audit around the tenant's verification.
      const result = await s.pipeline.federated('datarhei-idp', client, async () => {
        const r = await idp.verify(token);
        if (r.ok) return r;
        if (r.reason === 'unknown-issuer') throw new CoreError(400, 'Unknown issuer');
        throw new CoreError(401, IDP_REFUSALS[r.reason]);
      });
      return kinds.pairOf({ id: result.subject, idp: result.issuer });
    }
    if (
      !body ||
      typeof body.username !== 'string' ||
      typeof body.password !== 'string' ||
      !body.username ||
      !body.password
    )
      throw missingCredentials();
    const result = await s.pipeline.authenticate({
      door: 'datarhei',
      identifier: body.username,
      password: body.password,
      secondFactor: cfg.mfa === 'append' ? 'append' : 'none',
      client,
    });
    if (result.kind !== 'authenticated') throw pipelineErrors.secondFactorRequired();
    return (await s.credentials.issue(pair, result.user, client, undefined)).credential;
  });

  app.get('/api/login/refresh', { schema: refreshSchema }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return { access_token: await jwt.sign(await bearer(request, 'refresh'), 'access') };
  });
}
