import { SignJWT, jwtVerify } from 'jose';
import type { Clock } from '../../../core/clock.js';
import type { ImportedTokens } from '../../../core/credentials/imported.js';
import type { CredentialKind, SessionClaims } from '../../../core/credentials/service.js';
import type { KeyRing } from '../../../core/tokens/key-ring.js';

/** HumHub's JWT as issued: the token and its expiry (seconds since the epoch). */
export interface HumhubJwt {
  token: string;
  expiresAt: number;
}

/**
 * HumHub's JWT: HS512 {iat, iss, nbf, uid, email, exp}, plus the session it belongs to (`sid`). A token HumHub
 * itself issued before the switch (its REST module's jwtKey imported) names the user by HumHub's numeric id in
 * `uid` and may have no `exp` (jwtExpire 0): it counts while the imported key and the user's imported session
 * live.
 */
export function createHumhubJwt(opts: {
  keys: KeyRing;
  issuer: string;
  lifetimeSeconds: number;
  clock: Clock;
  imported?: { tokens: Pick<ImportedTokens, 'read'>; userIdOf: (numericId: number) => Promise<string | undefined> };
}): CredentialKind<HumhubJwt, SessionClaims> {
  const old = (token: string) =>
    opts.imported?.tokens.read('humhub', token, ['HS512'], async ({ uid }) => {
      const n = typeof uid === 'string' && /^[1-9]\d{0,15}$/.test(uid) ? Number(uid) : uid;
      return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? opts.imported?.userIdOf(n) : undefined;
    });
  return {
    id: 'humhub-jwt',
    door: 'humhub',
    sessionMs: opts.lifetimeSeconds * 1000,

    async mint(user, sessionId) {
      const now = Math.floor(opts.clock.now().getTime() / 1000);
      const expiresAt = now + opts.lifetimeSeconds;
      const key = await opts.keys.current();
      const token = await new SignJWT({ uid: user.id, email: user.email, sid: sessionId })
        .setProtectedHeader({ alg: 'HS512', typ: 'JWT', kid: key.kid })
        .setIssuedAt(now)
        .setIssuer(opts.issuer)
        .setNotBefore(now)
        .setExpirationTime(expiresAt)
        .sign(key.signKey);
      return { token, expiresAt };
    },

    async read(token) {
      const claims = await jwtVerify(token, (header) => opts.keys.verifyKey(header.kid), {
        algorithms: ['HS512'],
        issuer: opts.issuer,
        currentDate: opts.clock.now(),
        clockTolerance: 30,
      }).then(
        (r) => r.payload,
        () => undefined,
      );
      if (!claims) {
        const found = await old(token);
        return found && { userId: found.userId, sessionId: found.sessionId };
      }
      if (typeof claims.uid !== 'string' || typeof claims.sid !== 'string') return undefined;
      return { userId: claims.uid, sessionId: claims.sid };
    },
  };
}
