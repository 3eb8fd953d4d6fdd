import { SignJWT, jwtVerify } from 'jose';
import type { Clock, Random } from '../../../core/clock.js';
import type { ImportedTokens } from '../../../core/credentials/imported.js';
import type { CredentialKind } from '../../../core/credentials/service.js';
import type { KeyRing } from '../../../core/tokens/key-ring.js';

const ISSUER = 'datarhei-core';
export type Use = 'access' | 'refresh';

/** A token's subject: a local user with the session it belongs to, or an identity provider's subject. */
export type Subject =
  | { id: string; sessionId: string; idp?: undefined }
  | { id: string; idp: string; sessionId?: undefined };

/** datarhei Core's HS256 JWTs of its own shape ({usefor, exi}), plus `sid` or `idp`. */
export function createDatarheiJwt(opts: {
  keys: KeyRing;
  clock: Clock;
  random: Random;
  lifetimes: Record<Use, number>;
}) {
  return {
    async sign(subject: Subject, use: Use): Promise<string> {
      const iat = Math.floor(opts.clock.now().getTime() / 1000);
      const extra = subject.idp ? { idp: subject.idp } : { sid: subject.sessionId };
      const key = await opts.keys.current();
      return new SignJWT({ usefor: use, exi: opts.lifetimes[use], ...extra })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
        .setIssuer(ISSUER)
        .setSubject(subject.id)
        .setIssuedAt(iat)
        .setExpirationTime(iat + opts.lifetimes[use])
        .setJti(opts.random.uuid())
        .sign(key.signKey);
    },

    /** The subject of a valid token made for `use`, or undefined. */
    async verify(token: string, use: Use): Promise<Subject | undefined> {
      const claims = await jwtVerify(token, (header) => opts.keys.verifyKey(header.kid), {
        algorithms: ['HS256'],
        issuer: ISSUER,
        currentDate: opts.clock.now(),
        clockTolerance: 30,
      }).then(
        (r) => r.payload,
        () => undefined,
      );
      if (!claims || claims.usefor !== use || typeof claims.sub !== 'string') return undefined;
      if (typeof claims.idp === 'string') return { id: claims.sub, idp: claims.idp };
      return typeof claims.sid === 'string' ? { id: claims.sub, sessionId: claims.sid } : undefined;
    },
  };
}

export type DatarheiJwt = ReturnType<typeof createDatarheiJwt>;

/** The pair datarhei Core's login answers. */
export interface DatarheiPair {
  access_token: string;
  refresh_token: string;
}

/** Reads the tokens Core itself signed before the switch (its `api.auth.jwt.secret` imported). */
export interface DatarheiImported {
  tokens: Pick<ImportedTokens, 'read'>;
  /** The user Core's `sub` (the API user's name) is now. */
  userIdOf: (username: string) => Promise<string | undefined>;
}

/**
 * The kinds a password login issues: an access/refresh pair for a session living as long as the refresh
 * token. An identity provider's subject has no session: its pair is signed directly (`pairOf`). A pair Core
 * signed before the switch ({iss, sub: the user name, usefor, iat, exp, exi, jti}, HS256) belongs to the user's
 * imported session.
 */
export function createDatarheiKinds(jwt: DatarheiJwt, refreshSeconds: number, imported?: DatarheiImported) {
  const pairOf = async (subject: Subject): Promise<DatarheiPair> => ({
    access_token: await jwt.sign(subject, 'access'),
    refresh_token: await jwt.sign(subject, 'refresh'),
  });
  const old = (token: string, use: Use) =>
    imported?.tokens.read('datarhei', token, ['HS256'], async (p) =>
      p.usefor === use && typeof p.sub === 'string' && p.sub ? imported.userIdOf(p.sub) : undefined,
    );
  const local = (use: Use) => async (token: string) => {
    const subject = await jwt.verify(token, use);
    if (!subject) {
      const found = await old(token, use);
      return found && { userId: found.userId, sessionId: found.sessionId };
    }
    return subject.sessionId === undefined ? undefined : { userId: subject.id, sessionId: subject.sessionId };
  };
  const pair: CredentialKind<DatarheiPair> = {
    id: 'datarhei-refresh',
    door: 'datarhei',
    sessionMs: refreshSeconds * 1000,
    mint: (user, sessionId) => pairOf({ id: user.id, sessionId }),
    read: local('refresh'),
  };
  const access: CredentialKind<string> = {
    id: 'datarhei-access',
    door: 'datarhei',
    sessionMs: refreshSeconds * 1000,
    mint: (user, sessionId) => jwt.sign({ id: user.id, sessionId }, 'access'),
    read: local('access'),
  };
  return { pair, access, pairOf };
}
