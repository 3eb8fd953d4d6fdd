import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../../../core/clock.js';
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
 * it belongs to. Reading one throws privacyIDEA's numbered errors, which its clients tell apart.
 */
export function createPiJwt(opts: {
  keys: KeyRing;
  lifetimeSeconds: number;
  clock: Clock;
  roleOf: (user: User) => PiRole;
  rightsOf: (role: PiRole) => string[];
}): CredentialKind<PiJwt, PiClaims, { realm: string }> {
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
      const claims = await jwtVerify(token, (header) => opts.keys.verifyKey(header.kid), {
        algorithms: ['HS256'],
        currentDate: opts.clock.now(),
      })
        .then((r) => r.payload)
        .catch((err: unknown) => {
          if (err instanceof joseErrors.JWTExpired)
            throw new PiError(4305, 'Authentication failure. Your token has expired');
          throw new PiError(4304, 'Authentication failure. Could not decode your token');
        });
      if (claims.role !== 'admin' && claims.role !== 'user')
        throw new PiError(4306, 'Authentication failure. Unknown role');
      if (typeof claims.uid !== 'string' || typeof claims.sid !== 'string')
        throw new PiError(4304, 'Authentication failure. Could not decode your token');
      return { userId: claims.uid, sessionId: claims.sid, role: claims.role };
    },
  };
}
