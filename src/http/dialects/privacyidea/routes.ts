import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors.js';
import type { Services } from '../../../services.js';
import { bareToken } from '../../authorization.js';
import { clientInfo } from '../../client.js';
import type { App } from '../../types.js';
import type { PrivacyideaConfig } from './config.js';
import { notServed, PiError, piEnvelope } from './envelope.js';
import { loadPolicy, rightsOf } from './rights.js';
import { authSchema, registerStatusSchema, rightsSchema, userListSchema } from './schemas.js';
import { createPiJwt } from './tokens.js';
import { enrollableTokenTypes, presentUser, webUiSettings } from './webui.js';

const DEFAULT_REALM = 'default';

/** privacyIDEA's /auth: password(+OTP) login per realm, JWTs carrying role and rights, and /auth/rights. */
export async function privacyideaRoutes(app: App, s: Services, cfg: PrivacyideaConfig) {
  const policy = loadPolicy(cfg.rightsPolicyFile);
  const server = { now: () => s.clock.now(), version: cfg.version };
  const envelope = <R extends Record<string, unknown>>(result: R) => piEnvelope(server, result);
  const adminRealms = new Set(cfg.adminRealms.map((r) => r.toLowerCase()));
  const jwt = s.credentials.register(
    createPiJwt({
      keys: await s.dialectKeys.open('privacyidea', 'HS256', cfg.jwtSeconds),
      lifetimeSeconds: cfg.jwtSeconds,
      clock: s.clock,
      // privacyIDEA lowercases realm names, its superuser realms included: the comparison ignores case.
      roleOf: (user) => (user.roles.includes('admin') || adminRealms.has(user.realm.toLowerCase()) ? 'admin' : 'user'),
      rightsOf: (role) => rightsOf(policy, [role]),
      imported: {
        tokens: s.importedTokens,
        // An admin of privacyIDEA's own table, or a user of the token's realm.
        userOf: async (username, realm, role) => {
          const user = await s.users.findByLogin(username);
          return user && (role === 'admin' || !realm || user.realm === realm) ? user : undefined;
        },
      },
    }),
  );

  /**
   * The realm a name means, as privacyIDEA compares realm names (it stores them lowercased, and `realm_is_defined`
   * lowercases the name asked for): the stored name that equals it, else the one that equals it ignoring case.
   */
  async function realmNamed(name: string): Promise<string | undefined> {
    const names = (await s.realms.list()).map((r) => r.name);
    return names.find((n) => n === name) ?? names.find((n) => n.toLowerCase() === name.toLowerCase());
  }

  /** `user@realm` names a realm only when that realm exists; otherwise the whole string is the login name. */
  async function loginAndRealm(username: string, realmField: unknown): Promise<{ login: string; realm: string }> {
    const at = username.lastIndexOf('@');
    const suffix = at > 0 ? username.slice(at + 1) : '';
    const named = suffix !== '' ? await realmNamed(suffix) : undefined;
    const login = named !== undefined ? username.slice(0, at) : username;
    // As privacyIDEA: the name is split even when a realm field is sent, and the field then wins.
    if (typeof realmField === 'string' && realmField !== '')
      return { login, realm: (await realmNamed(realmField)) ?? realmField };
    if (named !== undefined) return { login, realm: named };
    // No realm named: privacyIDEA's default realm, which is the default directory's when there is one.
    return { login, realm: (await s.directories.defaultRealm()) ?? DEFAULT_REALM };
  }

  app.post('/auth', { schema: authSchema }, async (request, reply: FastifyReply) => {
    // The schema refuses a value of the wrong type (an object, a boolean): a bad request, not a login attempt.
    const body = request.body ?? {};
    // As privacyIDEA, which checks the realm field first: realm names are not secret there, and its UIs show this.
    if (typeof body.realm === 'string' && body.realm !== '' && (await realmNamed(body.realm)) === undefined)
      throw new PiError(4031, `Authentication failure. Unknown realm: ${body.realm}.`);
    if (typeof body.username !== 'string' || body.username === '')
      throw new PiError(4032, 'Authentication failure. Missing Username');
    const { login, realm } = await loginAndRealm(body.username, body.realm);
    const result = await s.pipeline.authenticate({
      door: 'privacyidea',
      identifier: login,
      password: body.password ?? '',
      secondFactor: 'append',
      realm,
      client: clientInfo(request),
    });
    if (result.kind !== 'authenticated')
      throw new PiError(
        4031,
        'Authentication failure. This account needs a one-time password: append the current code to the password.',
      );
    // privacyIDEA's User lowercases its realm, so its answers and tokens name the realm in lower case.
    const { credential } = await s.credentials.issue(jwt, result.user, clientInfo(request), {
      realm: realm.toLowerCase(),
    });
    const { token, role, username, rights } = credential;
    reply.header('cache-control', 'no-store');
    return envelope({
      status: true as const,
      authentication: 'ACCEPT' as const,
      value: {
        token,
        role,
        username,
        realm: realm.toLowerCase(),
        rights,
        menus: role === 'admin' ? ['tokens', 'users', 'machines', 'config', 'audit', 'components'] : ['tokens'],
        auth: true,
        ...webUiSettings(role),
      },
    });
  });

  /** The caller of a privacyIDEA route, by the raw JWT in PI-Authorization (or Authorization). */
  async function caller(request: FastifyRequest) {
    const raw = bareToken(request.headers['pi-authorization'] ?? request.headers.authorization);
    if (!raw) throw new PiError(4033, 'Authentication failure. Missing Authorization header.');
    const resolved = await s.credentials.resolve(jwt, raw);
    if (!resolved.ok) throw new PiError(4304, 'Authentication failure. Your session has ended');
    return resolved;
  }

  app.get('/auth/rights', { schema: rightsSchema }, async (request) => {
    const { claims } = await caller(request);
    // privacyIDEA answers the token types the caller may enroll here, which its web UI offers (not the rights list).
    return envelope({ status: true as const, value: enrollableTokenTypes(rightsOf(policy, [claims.role])) });
  });

  // A privacyIDEA user's GET /user/ lists only their own record (privacyIDEA puts the signed-in user into the
  // request whatever it asks); the web UIs show its username beside the realm. Administrators' user lists are not
  // served here.
  app.get('/user/', { schema: userListSchema }, async (request) => {
    const { claims, user } = await caller(request);
    if (claims.role !== 'user') throw errors.routeNotFound(notServed(request));
    return envelope({ status: true as const, value: [presentUser(user)] });
  });

  // privacyIDEA's anonymous GET /register, which its classic web UI calls on its login page: no self-registration here.
  app.get('/register', { schema: registerStatusSchema }, async () => envelope({ status: true as const, value: false }));
}
