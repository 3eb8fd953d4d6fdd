import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../../../core/clock.js';
import type { ImportedTokens } from '../../../core/credentials/imported.js';
import type { CredentialKind, SessionClaims } from '../../../core/credentials/service.js';
import type { KeyRing } from '../../../core/tokens/key-ring.js';
import type { User } from '../../../core/users/service.js';
import { PiError } from './envelope.js';

export type PiRole = 'admin' | 'user';

/** What privacyIDEA's JWT says of its holder, beside the user and session. */
export interface PiClaims extends SessionClaims {
  role: PiRole;
}

/** The token with what /auth answers beside it. */
export interface PiJwt {
  token: string;
  username: string;
  role: PiRole;
  rights: string[];
}

/**
 * privacyIDEA's HS256 JWT {username, realm, role, authtype, rights}, plus the user (`uid`) and session (`sid`)
 * it belongs to. Reading one throws privacyIDEA's numbered errors, which its clients tell apart. A token
 * privacyIDEA itself signed before the switch (HS256 over its SECRET_KEY, imported) names its user by `username`
 * and `realm`; its role is the user's role now, not the one it claims.
 */
export function createPiJwt(opts: {
  keys: KeyRing;
  lifetimeSeconds: number;
  clock: Clock;
  roleOf: (user: User) => PiRole;
  rightsOf: (role: PiRole) => string[];
  imported?: {
    tokens: Pick<ImportedTokens, 'read'>;
    userOf: (username: string, realm: string, role: unknown) => Promise<User | undefined>;
  };
}): CredentialKind<PiJwt, PiClaims, { realm: string }> {
  async function old(token: string): Promise<PiClaims | undefined> {
    let user: User | undefined;
    const found = await opts.imported?.tokens.read('privacyidea', token, ['HS256'], async (p) => {
      if (typeof p.username !== 'string' || !p.username) return undefined;
      user = await opts.imported?.userOf(p.username, typeof p.realm === 'string' ? p.realm : '', p.role);
      return user?.id;
    });
    return found && user && { userId: found.userId, sessionId: found.sessionId, role: opts.roleOf(user) };
  }

  return {
    id: 'privacyidea-jwt',
    door: 'privacyidea',
    sessionMs: opts.lifetimeSeconds * 1000,

    async mint(user, sessionId, { realm }) {
      const now = Math.floor(opts.clock.now().getTime() / 1000);
      const username = user.username ?? user.email;
      const role = opts.roleOf(user);
      const rights = opts.rightsOf(role);
      const key = await opts.keys.current();
      const token = await new SignJWT({
        username,
        realm,
        role,
        authtype: 'password',
        rights,
        uid: user.id,
        sid: sessionId,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
        .setIssuedAt(now)
        .setExpirationTime(now + opts.lifetimeSeconds)
        .sign(key.signKey);
      return { token, username, role, rights };
    },

    async read(token) {
      let failure: unknown;
      const claims = await jwtVerify(token, (header) => opts.keys.verifyKey(header.kid), {
        algorithms: ['HS256'],
        currentDate: opts.clock.now(),
      }).then(
        (r) => r.payload,
        (err: unknown) => {
          failure = err;
          return undefined;
        },
      );
      if (!claims) {
        const found = await old(token);
        if (found) return found;
        if (failure instanceof joseErrors.JWTExpired)
          throw new PiError(4305, 'Authentication failure. Your token has expired');
        throw new PiError(4304, 'Authentication failure. Could not decode your token');
      }
      if (claims.role !== 'admin' && claims.role !== 'user')
        throw new PiError(4306, 'Authentication failure. Unknown role');
      if (typeof claims.uid !== 'string' || typeof claims.sid !== 'string')
        throw new PiError(4304, 'Authentication failure. Could not decode your token');
      return { userId: claims.uid, sessionId: claims.sid, role: claims.role };
    },
  };
}
