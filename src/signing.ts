import { hkdfSync } from 'node:crypto';
import type { Config } from './config/load.js';
import type { Secrets } from './config/secrets.js';
import type { Audit } from './core/audit/service.js';
import type { Clock } from './core/clock.js';
import { createSecretBox } from './core/mfa/secret-box.js';
import type { Actor } from './core/sessions/actor.js';
import { createImportedTokens } from './core/credentials/imported.js';
import { createDialectKeys } from './core/tokens/dialect-keys.js';
import { createImportedKeys } from './core/tokens/imported-keys.js';
import { createKeyRing } from './core/tokens/key-ring.js';
import type { Queries } from './db/queries/index.js';

/** Which signing keys `keys rotate` replaces. */
export type KeySet = 'all' | 'access' | 'dialects';

/** Derives an independent key for one purpose from the server secret. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse', purpose, 32));
}

interface SigningDeps {
  config: Config;
  secrets: Secrets;
  queries: Queries;
  clock: Clock;
  audit: Audit;
}

/**
 * The signing keys: the access tokens' ring, the dialects' keys, and their rotation; and the verify-only keys
 * imported from the systems Gatehouse replaces, with the reader of the tokens those signed.
 */
export async function createSigning({ config, secrets, queries, clock, audit }: SigningDeps) {
  const keysBox = createSecretBox(deriveKey(secrets.cookieSecret, 'signing-keys'));
  const refreshMs = config.jwt.keyRefreshSeconds * 1000;
  const keys = await createKeyRing({
    algorithm: config.jwt.algorithm,
    configured: config.jwt.key === undefined ? undefined : { key: config.jwt.key, previous: config.jwt.previousKeys },
    seed: secrets.jwtKey,
    refreshMs,
    verifySeconds: config.jwt.expiresInMinutes * 60 + 60,
    queries,
    box: keysBox,
    clock,
    audit,
  });
  const dialectKeys = createDialectKeys({
    queries,
    box: keysBox,
    clock,
    audit,
    seed: (purpose) => deriveKey(secrets.cookieSecret, purpose),
    refreshMs,
  });
  /**
   * `keys rotate`: the access tokens' key (refused with 409, before anything changes, when JWT_KEY
   * manages it), the dialects' keys, or both.
   */
  async function rotateKeys(actor: Actor, which: KeySet = 'all') {
    const access = which === 'dialects' ? undefined : await keys.rotate(actor);
    const dialects = which === 'access' ? [] : await dialectKeys.rotate(actor);
    return { ...access, dialects };
  }
  const importedKeys = createImportedKeys({ queries, box: keysBox, clock, refreshMs });
  const importedTokens = createImportedTokens({ keys: importedKeys });
  return { keysBox, keys, dialectKeys, rotateKeys, importedKeys, importedTokens };
}

/**
 * `keys rotate` with the identity provider's own ID-token ring beside the access key (it has one when access
 * tokens are signed with HMAC; an asymmetric access ring signs ID tokens itself, and rotates as `access`).
 */
export function withProviderKey(
  rotate: (actor: Actor, which?: KeySet) => ReturnType<Awaited<ReturnType<typeof createSigning>>['rotateKeys']>,
  oidc: { rotateKey(actor: Actor): Promise<{ kid: string; retired: string[] } | undefined> },
) {
  return async (actor: Actor, which: KeySet = 'all') => {
    const rotated = await rotate(actor, which);
    const idp = which === 'dialects' ? undefined : await oidc.rotateKey(actor);
    const extra: { oidc?: { kid: string; retired: string[] } } = idp
      ? { oidc: { kid: idp.kid, retired: idp.retired } }
      : {};
    return { ...rotated, ...extra };
  };
}
