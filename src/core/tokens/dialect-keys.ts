import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../mfa/secret-box.js';
import type { Actor } from '../sessions/actor.js';
import { createKeyRing, rotateRing, type KeyRing } from './key-ring.js';

/** The HMAC algorithms the compatibility dialects sign their JWTs with. */
export type DialectAlgorithm = 'HS256' | 'HS512';

const SEPARATOR = ':';

/**
 * The HMAC keys of the dialects' own JWTs (HumHub, privacyIDEA, datarhei), one ring per dialect in
 * the signing-keys table beside the access tokens' keys: shared by every instance, sealed at rest,
 * rotated by `gatehouse keys rotate`. A ring starts from the key the dialect used before it had a
 * ring (derived from COOKIE_SECRET), so tokens issued before an upgrade keep verifying until the
 * first rotation retires that key and they expire.
 */
export function createDialectKeys(o: {
  queries: Queries;
  box: SecretBox;
  clock: Clock;
  audit: Pick<Audit, 'record' | 'recordBy'>;
  seed: (purpose: string) => Buffer;
  /** KEY_REFRESH_SECONDS, in milliseconds: how often each ring re-reads the table (a rotation elsewhere). */
  refreshMs: number;
}) {
  const opened = new Map<string, KeyRing>();

  return {
    /** The ring of one dialect; `verifySeconds` is the longest life of a token it signs. */
    async open(dialect: string, algorithm: DialectAlgorithm, verifySeconds: number): Promise<KeyRing> {
      const ring = `${dialect}${SEPARATOR}${algorithm}`;
      const existing = opened.get(ring);
      if (existing) return existing;
      const keys = await createKeyRing({
        algorithm,
        ring,
        encoding: 'base64url',
        configured: undefined,
        seed: o.seed(`${dialect}-jwt`).toString('base64url'),
        verifySeconds: verifySeconds + 60,
        refreshMs: o.refreshMs,
        queries: o.queries,
        box: o.box,
        clock: o.clock,
        audit: o.audit,
      });
      opened.set(ring, keys);
      return keys;
    },

    /** A new key for every dialect ring in the table; each answer names the ring, the new kid and the retired ones. */
    async rotate(actor: Actor): Promise<{ ring: string; kid: string; retired: string[] }[]> {
      const rotated = [];
      for (const ring of (await o.queries.signingKeys.rings()).filter((r) => r.includes(SEPARATOR))) {
        const algorithm = ring.slice(ring.indexOf(SEPARATOR) + 1) as DialectAlgorithm;
        const { kid, retired } = await rotateRing({
          ring,
          algorithm,
          encoding: 'base64url',
          queries: o.queries,
          box: o.box,
          clock: o.clock,
        });
        await opened.get(ring)?.reload();
        await o.audit.recordBy(actor, 'keys.rotate', kid, { ring, algorithm, retired });
        rotated.push({ ring: ring.slice(0, ring.indexOf(SEPARATOR)), kid, retired });
      }
      return rotated;
    },

    /** Drops the retired keys of the opened rings whose every token has expired. */
    prune: async () => {
      for (const keys of opened.values()) await keys.prune();
    },
  };
}

export type DialectKeys = ReturnType<typeof createDialectKeys>;
