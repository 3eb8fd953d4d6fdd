import type { JWK } from 'jose';
import { generateJwtKey } from '../../config/secrets.js';
import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../mfa/secret-box.js';
import { createKeyRing, type KeyRing } from '../tokens/key-ring.js';
import { isHmac, type SigningKey } from '../tokens/keys.js';

/** The provider's own ring when the access tokens are signed with HMAC (a secret no relying party may see). */
const PROVIDER_RING = 'oidc-provider-RS256';

/**
 * The keys that sign ID tokens: the access tokens' ring when it is asymmetric (one JWKS for both), else an
 * RS256 ring of the provider's own (`own`), its first key generated once and kept sealed in the signing-keys
 * table, rotated with the access tokens' key (`keys rotate`).
 */
export async function providerKeyRing(o: {
  keys: KeyRing;
  queries: Queries;
  box: SecretBox;
  clock: Clock;
  audit: Pick<Audit, 'record' | 'recordBy'>;
  /** KEY_REFRESH_SECONDS, in milliseconds. */
  refreshMs: number;
}): Promise<{ ring: KeyRing; own: boolean }> {
  if (!isHmac(o.keys.algorithm)) return { ring: o.keys, own: false };
  const stored = await o.queries.signingKeys.live(PROVIDER_RING, o.clock.now());
  const first = stored.find((r) => r.retiredAt === null);
  const ring = await createKeyRing({
    algorithm: 'RS256',
    ring: PROVIDER_RING,
    configured: undefined,
    // Another instance may have made the key already: then its material is the seed, and nothing is generated.
    seed: first ? o.box.open(first.material) : generateJwtKey('RS256'),
    verifySeconds: 86_400,
    refreshMs: o.refreshMs,
    queries: o.queries,
    box: o.box,
    clock: o.clock,
    audit: o.audit,
  });
  return { ring, own: true };
}

/** The private JWKs oidc-provider signs with and publishes: the signing key first, then those that verify. */
export async function providerJwks(keys: SigningKey[]): Promise<JWK[]> {
  return keys.map((k) => ({
    ...(k.signKey.export({ format: 'jwk' }) as JWK),
    kid: k.kid,
    alg: k.algorithm,
    use: 'sig',
  }));
}
