import { LRUCache } from 'lru-cache';
import { lazy } from '../lazy.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import type { KeyRing } from './key-ring.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessClaims {
  userId: string;
  defaultRole: string;
  allowedRoles: string[];
  tokenId: string;
  /** The refresh-token family (session) the token was issued for. */
  sessionId: string;
  expiresAt: number;
}

export interface AccessTokenOptions {
  keys: KeyRing;
  issuer: string;
  expiresInMinutes: number;
  claimsNamespace: string;
  cacheSize: number;
  clock: Clock;
  random: Random;
}

/** Accepted clock skew when checking exp/nbf/iat, seconds. */
export const CLOCK_TOLERANCE = 30;

export function createAccessTokens(opts: AccessTokenOptions) {
  const { keys, clock, claimsNamespace: ns } = opts;
  const lifetime = opts.expiresInMinutes * 60;
  // Verified tokens, keyed by the full token string; entries are checked against exp on every hit.
  const cache =
    opts.cacheSize > 0 ? lazy(() => new LRUCache<string, AccessClaims>({ max: opts.cacheSize })) : undefined;
  // jose, loaded by the first token signed or checked: a CLI call that handles none never loads it.
  let jose: Promise<typeof import('jose')> | undefined;
  const loadJose = () => (jose ??= import('jose'));

  async function verifyUncached(token: string): Promise<AccessClaims> {
    const { jwtVerify, errors: joseErrors } = await loadJose();
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await keys.find(header.kid);
        if (!key) throw new joseErrors.JWKSNoMatchingKey();
        return key.verifyKey;
      },
      {
        algorithms: [keys.algorithm],
        issuer: opts.issuer,
        typ: ACCESS_TOKEN_TYPE,
        currentDate: clock.now(),
        clockTolerance: CLOCK_TOLERANCE,
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'sid'],
      },
    );
    const hasura = payload[ns] as Record<string, unknown> | undefined;
    const allowed = hasura?.['x-hasura-allowed-roles'];
    const defaultRole = hasura?.['x-hasura-default-role'];
    if (
      !hasura ||
      hasura['x-hasura-user-id'] !== payload.sub ||
      typeof defaultRole !== 'string' ||
      !Array.isArray(allowed) ||
      !allowed.every((r) => typeof r === 'string')
    ) {
      throw new Error('missing Hasura claims');
    }
    return {
      userId: payload.sub as string,
      defaultRole,
      allowedRoles: allowed as string[],
      tokenId: payload.jti as string,
      sessionId: String(payload.sid),
      expiresAt: payload.exp as number,
    };
  }

  return {
    lifetimeSeconds: lifetime,

    /** `extra`: more Hasura claims (hasura-auth's `x-hasura-auth-elevated` after an elevation). */
    async sign(
      user: { id: string; defaultRole: string; roles: string[]; anonymous?: boolean },
      sessionId: string,
      extra: Record<string, string> = {},
    ): Promise<string> {
      const iat = Math.floor(clock.now().getTime() / 1000);
      const key = await keys.current();
      const { SignJWT } = await loadJose();
      return new SignJWT({
        sid: sessionId,
        [ns]: {
          'x-hasura-user-id': user.id,
          'x-hasura-default-role': user.defaultRole,
          'x-hasura-allowed-roles': user.roles,
          // A string, as Hasura's session variables are (hasura-auth's claim, which permissions may test).
          'x-hasura-user-is-anonymous': String(user.anonymous === true),
          ...extra,
        },
      })
        .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(opts.issuer)
        .setSubject(user.id)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .setJti(opts.random.uuid())
        .sign(key.signKey);
    },

    /** Returns the claims of a valid access token, or throws invalid-token. */
    async verify(token: string): Promise<AccessClaims> {
      const nowSeconds = clock.now().getTime() / 1000;
      const hit = cache?.peek()?.get(token);
      if (hit) {
        if (hit.expiresAt + CLOCK_TOLERANCE > nowSeconds) return hit;
        cache?.peek()?.delete(token);
        throw errors.invalidToken();
      }
      let claims: AccessClaims;
      try {
        claims = await verifyUncached(token);
      } catch {
        throw errors.invalidToken();
      }
      cache?.().set(token, claims);
      return claims;
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
