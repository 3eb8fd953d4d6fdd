import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../../core/clock.js';

export interface Tenant {
  issuer: string;
  audience: string;
  users: string[];
}

export type IdpResult =
  | { ok: true; subject: string; issuer: string }
  | { ok: false; reason: 'unknown-issuer' | 'invalid-token' | 'user-not-allowed' | 'no-expiry' | 'lifetime-too-long' };

const sameIssuer = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/** Asymmetric algorithms only: an identity provider never shares a secret with us. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies tokens of configured external identity providers: the issuer must be a tenant,
 * the signature must come from a key of the tenant's JWKS (found through OpenID discovery,
 * matched by kid, with its algorithm), the audience must be the tenant's, and the subject
 * one of the tenant's users. A token must expire, within `maxLifetimeSeconds` of its issue and of now: one
 * without `exp` would be a session key for ever to whoever copied it once.
 */
export function createIdpVerifier(tenants: Tenant[], clock: Clock, maxLifetimeSeconds: number) {
  const keySets = new Map<string, Promise<JWTVerifyGetKey>>();

  function keysOf(issuer: string): Promise<JWTVerifyGetKey> {
    let keys = keySets.get(issuer);
    if (!keys) {
      keys = fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)
        .then((res) =>
          res.ok
            ? (res.json() as Promise<{ jwks_uri?: string }>)
            : Promise.reject(new Error(`discovery: ${res.status}`)),
        )
        .then((doc) => createRemoteJWKSet(new URL(doc.jwks_uri!)));
      keys.catch(() => keySets.delete(issuer)); // a failed discovery is retried next time
      keySets.set(issuer, keys);
    }
    return keys;
  }

  return {
    async verify(token: string): Promise<IdpResult> {
      let claims: ReturnType<typeof decodeJwt>;
      try {
        claims = decodeJwt(token);
      } catch {
        return { ok: false, reason: 'invalid-token' };
      }
      const { iss } = claims;
      const tenant = typeof iss === 'string' ? tenants.find((t) => sameIssuer(t.issuer, iss as string)) : undefined;
      if (!tenant) return { ok: false, reason: 'unknown-issuer' };
      try {
        const { payload } = await jwtVerify(token, await keysOf(tenant.issuer), {
          issuer: iss as string,
          audience: tenant.audience,
          algorithms: ALGORITHMS,
          currentDate: clock.now(),
          clockTolerance: 30,
        });
        if (typeof payload.exp !== 'number') return { ok: false, reason: 'no-expiry' };
        // Both bounds: an `iat` may be missing, or set late to make a long-lived token look short.
        const now = Math.floor(clock.now().getTime() / 1000);
        const lifetime = Math.max(payload.exp - now, typeof payload.iat === 'number' ? payload.exp - payload.iat : 0);
        if (lifetime > maxLifetimeSeconds) return { ok: false, reason: 'lifetime-too-long' };
        if (typeof payload.sub !== 'string' || !tenant.users.includes(payload.sub))
          return { ok: false, reason: 'user-not-allowed' };
        return { ok: true, subject: payload.sub, issuer: tenant.issuer };
      } catch {
        return { ok: false, reason: 'invalid-token' };
      }
    },

    /** Whether an IdP subject is (still) allowed by its tenant. */
    allowed: (issuer: string, subject: string) =>
      tenants.some((t) => sameIssuer(t.issuer, issuer) && t.users.includes(subject)),
  };
}
