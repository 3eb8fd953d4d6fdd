import { createHash, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { Queries } from '../../db/queries/index.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../mfa/secret-box.js';
import { CLOCK_TOLERANCE } from './access-tokens.js';

/** The algorithms the replaced systems sign with: HMAC secrets, and HBP's RSA keys. */
export const IMPORTED_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512'] as const;
export type ImportedAlgorithm = (typeof IMPORTED_ALGORITHMS)[number];

/** An old system's key, as an import hands it over. */
export interface ImportedKeyInput {
  /** The door whose old tokens it verifies: `hbp`, `humhub`, `privacyidea`, `datarhei`. */
  door: string;
  algorithm: ImportedAlgorithm;
  /** The HMAC secret as the old system had it (text), or a PEM key (private or public) for RS*. */
  material: string;
  /** When the last token it signed expires. */
  verifyUntil: Date;
}

/** The verifying key of an imported key's material; throws when the material does not fit the algorithm. */
export function verifyingKey(algorithm: string, material: string): KeyObject {
  if (algorithm.startsWith('HS')) {
    if (!material) throw new Error('an empty HMAC secret');
    return createSecretKey(Buffer.from(material, 'utf8'));
  }
  if (!IMPORTED_ALGORITHMS.includes(algorithm as ImportedAlgorithm)) throw new Error(`unsupported ${algorithm}`);
  const key = createPublicKey(material);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`${algorithm} needs an RSA key`);
  return key;
}

/**
 * The session every token an old system issued to a user at a door belongs to, once its key is imported: one
 * per user and door, written by the import, ended like any session (logout, logout-all, disable, password
 * change). The old tokens name no session of ours, so this one stands for all of them.
 */
export function importedSessionId(door: string, userId: string): string {
  const b = createHash('sha1').update(`gatehouse-imported-session:${door}:${userId}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The keys of the replaced systems, verify-only: kept sealed in a table no key ring reads (so none of them ever
 * signs), each for one door and until the last token it signed expires. Their tokens carry no `kid` of ours (or
 * the old system's own), so every live key of the door is tried; a door without imported keys costs one cached
 * empty list.
 */
export function createImportedKeys(o: {
  queries: Queries;
  box: SecretBox;
  clock: Clock;
  /** KEY_REFRESH_SECONDS, in milliseconds: how long a door's list is trusted before the table is read again. */
  refreshMs: number;
}) {
  const loaded = new Map<string, { at: number; keys: { algorithm: string; key: KeyObject; until: Date }[] }>();

  async function live(door: string) {
    const now = o.clock.now();
    const hit = loaded.get(door);
    if (hit && now.getTime() - hit.at < o.refreshMs) return hit.keys.filter((k) => k.until > now);
    const rows = await o.queries.importedSigningKeys.live(door, now);
    const keys = rows.map((r) => ({
      algorithm: r.algorithm,
      key: verifyingKey(r.algorithm, o.box.open(r.material)),
      until: r.verifyUntil,
    }));
    loaded.set(door, { at: now.getTime(), keys });
    return keys;
  }

  return {
    /** Stores a key (sealed); throws when its material does not fit its algorithm. */
    async add(k: ImportedKeyInput): Promise<{ kid: string }> {
      verifyingKey(k.algorithm, k.material);
      const kid = createHash('sha256').update(`${k.algorithm}\n${k.material}`).digest('hex').slice(0, 16);
      await o.queries.importedSigningKeys.upsert({
        door: k.door,
        kid,
        algorithm: k.algorithm,
        material: o.box.seal(k.material),
        createdAt: o.clock.now(),
        verifyUntil: k.verifyUntil,
      });
      loaded.delete(k.door);
      return { kid };
    },

    /**
     * The payload of a token signed by one of the door's imported keys with one of `algorithms`, unexpired
     * (a token without `exp` lives as long as the key), or undefined.
     */
    async verify(door: string, token: string, algorithms: readonly string[]): Promise<JWTPayload | undefined> {
      for (const k of await live(door)) {
        if (!algorithms.includes(k.algorithm)) continue;
        const { jwtVerify } = await import('jose');
        const payload = await jwtVerify(token, k.key, {
          algorithms: [k.algorithm],
          currentDate: o.clock.now(),
          clockTolerance: CLOCK_TOLERANCE,
        }).then(
          (r) => r.payload,
          () => undefined,
        );
        if (payload) return payload;
      }
      return undefined;
    },
  };
}

export type ImportedKeys = ReturnType<typeof createImportedKeys>;
