import { hash, verify } from '@node-rs/argon2';
import { verify as bcryptVerify } from '@node-rs/bcrypt';
import { isImported, verifyImported } from './imported.js';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface VerifyResult {
  ok: boolean;
  /** The hash uses an outdated scheme or parameters and should be replaced after this login. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(storedHash: string, password: string): Promise<VerifyResult>;
  /** Costs the same as a real verification; used when there is no user, so timing tells nothing. */
  verifyDummy(password: string): Promise<void>;
}

const BCRYPT = /^\$2[abxy]\$\d{2}\$/;

/**
 * argon2id and bcrypt both run on libuv's thread pool, never on the event loop. The hash an unknown login is
 * checked against (so that it costs what a known one does) is made by `prepare()`, which the server awaits at
 * start, or else by its first use: a CLI call, which checks no password, does not pay for an argon2id hash.
 */
export async function createPasswordHasher(
  params: Argon2Params,
): Promise<PasswordHasher & { prepare(): Promise<void> }> {
  // Algorithm.Argon2id is an ambient const enum, which isolated modules cannot read: its value is 2.
  const options = { algorithm: 2 as const, ...params };
  const current = `m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}`;
  let dummy: Promise<string> | undefined;
  const dummyHash = () => (dummy ??= hash('gatehouse-dummy-password', options));

  return {
    async prepare() {
      await dummyHash();
    },

    hash: (password) => hash(password, options),

    async verify(storedHash, password) {
      if (BCRYPT.test(storedHash)) {
        // bcrypt only reads 72 bytes: a longer password must not match a truncated one.
        if (Buffer.byteLength(password) > 72) return { ok: false, needsRehash: false };
        const ok = await bcryptVerify(password, storedHash).catch(() => false);
        return { ok, needsRehash: ok };
      }
      if (isImported(storedHash)) {
        // Another system's hash (imported.ts): right once, it is replaced by argon2id at this login.
        const ok = await verifyImported(storedHash, password);
        if (!ok) await verify(await dummyHash(), password).catch(() => false);
        return { ok, needsRehash: ok };
      }
      if (!storedHash.startsWith('$argon2')) return { ok: false, needsRehash: false };
      const ok = await verify(storedHash, password).catch(() => false);
      return { ok, needsRehash: ok && !(storedHash.startsWith('$argon2id$') && storedHash.includes(current)) };
    },

    async verifyDummy(password) {
      await verify(await dummyHash(), password).catch(() => false);
    },
  };
}
