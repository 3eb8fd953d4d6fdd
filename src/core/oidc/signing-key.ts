import type { KeyObject } from 'node:crypto';
import { generateJwtKey } from '../../config/secrets.js';
import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../mfa/secret-box.js';
import { createKeyRing, type KeyRing } from '../tokens/key-ring.js';
import { isHmac } from '../tokens/keys.js';

/** The provider's own ring when the access tokens are signed with HMAC (a secret no relying party may see). */
const PROVIDER_RING = 'oidc-provider-RS256';

/**
 * The key that signs ID tokens: the access tokens' current key when it is asymmetric (one JWKS for both),
 * else an RS256 key of the provider's own, generated once and kept sealed in the signing-keys table.
 */
export async function providerSigningKey(o: {
  keys: KeyRing;
  queries: Queries;
  box: SecretBox;
  clock: Clock;
  audit: Pick<Audit, 'record' | 'recordBy'>;
}): Promise<{ algorithm: string; kid: string; key: KeyObject }> {
  let ring = o.keys;
  if (isHmac(o.keys.algorithm)) {
    const stored = await o.queries.signingKeys.live(PROVIDER_RING, o.clock.now());
    const first = stored.find((r) => r.retiredAt === null);
    ring = await createKeyRing({
      algorithm: 'RS256',
      ring: PROVIDER_RING,
      configured: undefined,
      // Another instance may have made the key already: then its material is the seed, and nothing is generated.
      seed: first ? o.box.open(first.material) : generateJwtKey('RS256'),
      verifySeconds: 86_400,
      queries: o.queries,
      box: o.box,
      clock: o.clock,
      audit: o.audit,
    });
  }
  const current = await ring.current();
  return { algorithm: current.algorithm, kid: current.kid, key: current.signKey };
}
