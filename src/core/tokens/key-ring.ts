import type { JWK } from 'jose';
import { generateJwtKey } from '../../config/secrets.js';
import type { JwtAlgorithm } from '../../config/schema.js';
import type { Queries } from '../../db/queries/index.js';
import type { SigningKeyRow } from '../../db/queries/signing-keys.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { actorName, type Actor } from '../sessions/actor.js';
import { AppError } from '../errors.js';
import type { SecretBox } from '../mfa/secret-box.js';
import { loadSigningKey, type SigningKey } from './keys.js';

/** Who asked for a rotation, for the audit log. */
export type KeyActor = Actor;

/** How often an instance re-reads the keys table: a rotation elsewhere signs here within this. */
export const KEY_REFRESH_MS = 30_000;
/** An unknown kid triggers a re-read at most this often (a token from a just-rotated key). */
const MISS_REFRESH_MS = 5_000;

export interface KeyRingOptions {
  algorithm: JwtAlgorithm;
  /** JWT_KEY and JWT_PREVIOUS_KEYS when the operator set them: then the keys are theirs, not the database's. */
  configured: { key: string; previous: string[] } | undefined;
  /** The key of DATA_DIR/secrets: the first database key when the table has none yet. */
  seed: string;
  /** How long a retired key keeps verifying: the longest life of a token it signed, plus clock skew. */
  verifySeconds: number;
  queries: Queries;
  box: SecretBox;
  clock: Clock;
  audit: Pick<Audit, 'record'>;
}

export const keyErrors = {
  operatorManaged: () =>
    new AppError('keys-managed-by-operator', 409, 'JWT_KEY is set, so the signing keys are managed in the configuration: set the new key as JWT_KEY and move the old one to JWT_PREVIOUS_KEYS, then restart every instance'),
};

/**
 * The signing keys of access tokens. The newest key signs; every live key verifies (by `kid`).
 * Without JWT_KEY they live in the database, shared by all instances and rotated with
 * `rotate()`; with JWT_KEY they are JWT_KEY plus JWT_PREVIOUS_KEYS and never change at run time.
 */
export async function createKeyRing(o: KeyRingOptions) {
  const { algorithm, queries, clock, box } = o;
  let keys: SigningKey[] = [];
  let loadedAt = 0;
  let lastMiss = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;

  const open = (row: SigningKeyRow) => {
    let material: string;
    try {
      material = box.open(row.material);
    } catch {
      throw new Error(`signing key ${row.kid} cannot be decrypted: every instance must share the same COOKIE_SECRET`);
    }
    return loadSigningKey(algorithm, material, `signing key ${row.kid}`);
  };

  async function loadFromDatabase(): Promise<void> {
    const now = clock.now();
    let rows = await queries.signingKeys.live(algorithm, new Date(now.getTime() - o.verifySeconds * 1000));
    if (!rows.some((r) => r.retiredAt === null)) {
      const first = await loadSigningKey(algorithm, o.seed);
      await queries.signingKeys.insertIfAbsent({ kid: first.kid, algorithm, material: box.seal(o.seed), createdAt: now });
      rows = await queries.signingKeys.live(algorithm, new Date(now.getTime() - o.verifySeconds * 1000));
    }
    // The unretired key signs, even when a rotation happened within the same clock tick.
    rows.sort((x, y) => Number(x.retiredAt !== null) - Number(y.retiredAt !== null));
    keys = await Promise.all(rows.map(open));
    loadedAt = now.getTime();
  }

  /** One reload at a time; concurrent callers share it. */
  function reload(): Promise<void> {
    loading ??= loadFromDatabase().finally(() => (loading = undefined));
    return loading;
  }

  if (o.configured) {
    const { key, previous } = o.configured;
    keys = await Promise.all([loadSigningKey(algorithm, key), ...previous.map((k, i) => loadSigningKey(algorithm, k, `JWT_PREVIOUS_KEYS[${i}]`))]);
  } else {
    await reload();
  }
  const stale = () => !o.configured && clock.now().getTime() - loadedAt >= KEY_REFRESH_MS;

  return {
    algorithm,
    managedBy: o.configured ? ('configuration' as const) : ('database' as const),

    /** The key that signs now. */
    async current(): Promise<SigningKey> {
      if (stale()) await reload();
      return keys[0]!;
    },

    /** The live key with this kid, re-reading the table once when it is unknown (rotated elsewhere). */
    async find(kid: string | undefined): Promise<SigningKey | undefined> {
      if (stale()) await reload();
      let key = keys.find((k) => k.kid === kid);
      const now = clock.now().getTime();
      if (!key && kid && !o.configured && now - lastMiss >= MISS_REFRESH_MS) {
        lastMiss = now;
        await reload();
        key = keys.find((k) => k.kid === kid);
      }
      return key;
    },

    /** Public JWKs of every live key (none for HMAC algorithms). */
    async publicJwks(): Promise<JWK[]> {
      if (stale()) await reload();
      return keys.flatMap((k) => (k.publicJwk ? [k.publicJwk] : []));
    },

    /** Adds a new key that signs from now on; the previous ones verify until their tokens expire. */
    async rotate(actor: KeyActor): Promise<{ kid: string; algorithm: JwtAlgorithm; retired: string[] }> {
      const event = { actor: actorName(actor), action: 'keys.rotate', ip: actor.ip ?? null, userAgent: actor.userAgent ?? null };
      if (o.configured) {
        await o.audit.record({ ...event, outcome: 'failure', detail: { reason: 'keys-managed-by-operator' } });
        throw keyErrors.operatorManaged();
      }
      const material = generateJwtKey(algorithm);
      const key = await loadSigningKey(algorithm, material);
      const retired = await queries.signingKeys.rotate({ kid: key.kid, algorithm, material: box.seal(material), createdAt: clock.now() });
      await reload();
      await o.audit.record({ ...event, subject: key.kid, outcome: 'success', detail: { algorithm, retired } });
      return { kid: key.kid, algorithm, retired };
    },

    /** Drops keys whose every token has expired (housekeeping). */
    prune: () => (o.configured ? Promise.resolve() : queries.signingKeys.deleteRetiredBefore(new Date(clock.now().getTime() - o.verifySeconds * 1000))),
  };
}

export type KeyRing = Awaited<ReturnType<typeof createKeyRing>>;
