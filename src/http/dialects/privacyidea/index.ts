import { createSecretKey } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../../../core/errors.js';
import { rightsOf } from '../../../core/rights/policy.js';
import type { User } from '../../../core/users/service.js';
import type { Services } from '../../../services.js';
import { toAppError } from '../../plugins/errors.js';
import type { App } from '../../types.js';

const VERSION = 'privacyIDEA 3.9';
const VERSION_NUMBER = '3.9';

/** privacyIDEA's numbered authentication errors. */
class PiError extends AppError {
  constructor(readonly piCode: 4031 | 4032 | 4033 | 4304 | 4305 | 4306, message: string) {
    super(`privacyidea-${piCode}`, 401, message);
  }
}

/** privacyIDEA's /auth: password login per realm, JWTs carrying role and rights, and /auth/rights. */
export async function privacyideaDialect(app: App, s: Services) {
  await app.register(formbody);
  const key = createSecretKey(s.secret('privacyidea-jwt'));
  const envelope = (result: Record<string, unknown>) => ({ jsonrpc: '2.0', id: 1, time: s.clock.now().getTime() / 1000, version: VERSION, versionnumber: VERSION_NUMBER, result });

  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = err instanceof PiError ? err : toAppError(err);
    if (known instanceof PiError) return reply.code(401).send(envelope({ status: false, error: { code: known.piCode, message: known.message } }));
    if (known?.status === 401) return reply.code(401).send(envelope({ status: false, error: { code: 4031, message: 'Authentication failure. Wrong credentials' } }));
    if (known) return reply.code(known.status).send(envelope({ status: false, error: { code: known.status, message: known.message } }));
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send(envelope({ status: false, error: { code: 500, message: 'Internal error' } }));
  });

  const roleOf = (user: User) => (user.roles.includes('admin') || s.config.privacyidea.adminRealms.includes(user.realm) ? 'admin' : 'user');

  app.post('/auth', { schema: { hide: true } }, async (request) => {
    const body = (request.body ?? {}) as { username?: unknown; password?: unknown; realm?: unknown };
    if (typeof body.username !== 'string' || body.username === '') throw new PiError(4032, 'Authentication failure. Missing Username');
    // user@realm names a realm; an explicit realm field wins over it.
    const at = body.username.lastIndexOf('@');
    const named = typeof body.realm === 'string' && body.realm !== '' ? body.realm : undefined;
    const realmInName = at > 0 && !(await s.users.findByEmail(body.username)) ? body.username.slice(at + 1) : undefined;
    const login = realmInName !== undefined ? body.username.slice(0, at) : body.username;
    const realm = named ?? realmInName ?? 'default';
    if (!(await s.queries.users.realmExists(realm))) throw new PiError(4031, `Authentication failure. Unknown realm: ${realm}.`);
    const user = await s.auth.checkPassword({ email: login, password: typeof body.password === 'string' ? body.password : '' });
    if (user.realm !== realm) throw new PiError(4031, 'Authentication failure. Wrong credentials');
    const role = roleOf(user);
    const rights = rightsOf(s.rights, [role]);
    const token = await new SignJWT({ username: user.email, realm, role, authtype: 'password', rights })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(Math.floor(s.clock.now().getTime() / 1000))
      .setExpirationTime(Math.floor(s.clock.now().getTime() / 1000) + 3600)
      .sign(key);
    return {
      ...envelope({ status: true, authentication: 'ACCEPT', value: { token, role, username: user.email, realm, rights, menus: role === 'admin' ? ['tokens', 'users', 'machines', 'config', 'audit', 'components'] : ['tokens'], logout_time: 120, auth: true } }),
    };
  });

  app.get('/auth/rights', { schema: { hide: true } }, async (request) => {
    const raw = request.headers['pi-authorization'] ?? request.headers.authorization;
    if (typeof raw !== 'string' || raw === '') throw new PiError(4033, 'Authentication failure. Missing Authorization header.');
    const claims = await jwtVerify(raw.trim(), key, { algorithms: ['HS256'], currentDate: s.clock.now() })
      .then((r) => r.payload)
      .catch((err: unknown) => {
        if (err instanceof joseErrors.JWTExpired) throw new PiError(4305, 'Authentication failure. Your token has expired');
        throw new PiError(4304, 'Authentication failure. Could not decode your token');
      });
    if (claims.role !== 'admin' && claims.role !== 'user') throw new PiError(4306, 'Authentication failure. Unknown role');
    return envelope({ status: true, value: rightsOf(s.rights, [claims.role]) });
  });
}
