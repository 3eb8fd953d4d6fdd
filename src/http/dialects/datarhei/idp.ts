import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../../core/clock.js';

export interface Tenant {
  issuer: string;
  audience: string;
  users: string[];
}

export type IdpResult = { ok: true; subject: string; issuer: string } | { ok: false; reason: 'unknown-issuer' | 'invalid-token' | 'user-not-allowed' };

const sameIssuer = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/** Asymmetric algorithms only: an identity provider never shares a secret with us. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies tokens of configured external identity providers: the issuer must be a tenant,
 * the signature must come from a key of the tenant's JWKS (found through OpenID discovery,
 * matched by kid, with its algorithm), the audience must be the tenant's, and the subject
 * one of the tenant's users.
 */
export function createIdpVerifier(tenants: Tenant[], clock: Clock) {
  const keySets = new Map<string, Promise<JWTVerifyGetKey>>();

  function keysOf(issuer: string): Promise<JWTVerifyGetKey> {
    let keys = keySets.get(issuer);
    if (!keys) {
      keys = fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)
        .then((res) => (res.ok ? (res.json() as Promise<{ jwks_uri?: string }>) : Promise.reject(new Error(`discovery: ${res.status}`))))
        .then((doc) => createRemoteJWKSet(new URL(doc.jwks_uri!)));
      keys.catch(() => keySets.delete(issuer)); // a failed discovery is retried next time
      keySets.set(issuer, keys);
    }
    return keys;
  }

  return {
    async verify(token: string): Promise<IdpResult> {
      let iss: unknown;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        return { ok: false, reason: 'invalid-token' };
      }
      const tenant = typeof iss === 'string' ? tenants.find((t) => sameIssuer(t.issuer, iss as string)) : undefined;
      if (!tenant) return { ok: false, reason: 'unknown-issuer' };
      try {
        const { payload } = await jwtVerify(token, await keysOf(tenant.issuer), { issuer: iss as string, audience: tenant.audience, algorithms: ALGORITHMS, currentDate: clock.now(), clockTolerance: 30 });
        if (typeof payload.sub !== 'string' || !tenant.users.includes(payload.sub)) return { ok: false, reason: 'user-not-allowed' };
        return { ok: true, subject: payload.sub, issuer: tenant.issuer };
      } catch {
        return { ok: false, reason: 'invalid-token' };
      }
    },

    /** Whether an IdP subject is (still) allowed by its tenant. */
    allowed: (issuer: string, subject: string) => tenants.some((t) => sameIssuer(t.issuer, issuer) && t.users.includes(subject)),
  };
}
