import { appPasswordHash, appPasswordHashOfDigest } from '../app-passwords/service.js';
import type { Directories } from '../directories/service.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { User } from '../users/service.js';
import type { LoginAttempt } from './attempt.js';

/** The last six characters of an appended password when they are digits: privacyIDEA's password+OTP form. */
export const splitAppended = (value: string) =>
  /^\d{6}$/.test(value.slice(-6)) ? { password: value.slice(0, -6), code: value.slice(-6) } : undefined;

/** The password part of an attempt for `user`: a code appended to it is the second factor's (`append` form). */
export const appendedOf = (a: LoginAttempt, user: User | undefined) =>
  user?.mfaEnabled && a.secondFactor === 'append' ? splitAppended(a.password) : undefined;

/**
 * What a verifier concluded. A refusal names the user to audit it under and the reason; it has cost the same
 * work as a wrong password. A local check may ask for the stored hash's upgrade (the password is kept for it).
 */
export type Verdict =
  | { ok: true; user: User; upgrade?: { password: string; needsRehash: boolean }; standsIn?: boolean }
  | { ok: false; auditAs: User | undefined; reason: string };

/** One way to prove a secret at login: the pipeline picks one per attempt, and applies the same rules around it. */
export interface PasswordVerifier {
  verify(a: LoginAttempt, user: User | undefined): Promise<Verdict>;
}

const refused = (auditAs: User | undefined, reason = 'invalid-credentials') =>
  ({ ok: false, auditAs, reason }) as const;

/** A passkey assertion: the credential must be this user's, and its signature, challenge, origin and counter hold. */
export const passkeyAssertion: PasswordVerifier = {
  async verify(a, user) {
    const proof = a.passkey;
    if (!proof || !user || proof.userId !== user.id) return refused(user, 'unknown-passkey');
    const problem = await proof.check(user);
    return problem === undefined ? { ok: true, user } : refused(user, problem);
  },
};

/** The local hash (argon2id, or an imported one, upgraded after a success). */
export const localHash = (hasher: PasswordHasher): PasswordVerifier => ({
  async verify(a, user) {
    const password = (appendedOf(a, user)?.password ?? a.password).normalize('NFC');
    if (!user?.passwordHash) {
      await hasher.verifyDummy(password);
      return refused(undefined);
    }
    const checked = await hasher.verify(user.passwordHash, password);
    if (!checked.ok) return refused(user);
    return { ok: true, user, upgrade: { password, needsRehash: checked.needsRehash } };
  },
});

/** Rocket.Chat's SHA-256 digest of the password, checked against the digest's own verifier. */
export const digest = (hasher: PasswordHasher): PasswordVerifier => ({
  async verify(a, user) {
    const given = a.digest ?? '';
    if (!user?.passwordDigestHash) {
      // An account without a digest verifier cannot check one.
      await hasher.verifyDummy(given);
      return refused(user);
    }
    const checked = await hasher.verify(user.passwordDigestHash, given.toLowerCase());
    return checked.ok ? { ok: true, user } : refused(user);
  },
});

/** A directory bind with the password itself; the account it answers goes through the pipeline's rules. */
export const directoryBind = (
  hasher: PasswordHasher,
  directories: Pick<Directories, 'authenticate'>,
  realm: string | null,
): PasswordVerifier => ({
  async verify(a, user) {
    if (a.digest !== undefined) {
      // A directory binds with the password itself: a digest cannot be checked there.
      await hasher.verifyDummy(a.digest);
      return refused(user);
    }
    const found = await directories.authenticate({
      login: a.identifier,
      password: a.password.normalize('NFC'),
      realm: realm ?? undefined,
    });
    if (found.outcome !== 'ok') {
      await hasher.verifyDummy(a.password); // the same work as a local wrong password
      return refused(user, found.outcome === 'conflict' ? 'directory-conflict' : 'invalid-credentials');
    }
    if (a.account !== undefined && found.user.id !== a.account) return refused(user);
    return { ok: true, user: found.user };
  },
});

/**
 * An app password in place of the password (or of Rocket.Chat's digest of it), on a door that carries only
 * a password; anything else goes to the door's usual verifier. The lookup is made for unknown logins too.
 * A match stands for the whole sign-in on that door: no second factor is asked after it.
 */
export const appPassword = (
  fallback: PasswordVerifier,
  store: { match(hash: string, door: string, userId: string | undefined): Promise<boolean> },
): PasswordVerifier => ({
  async verify(a, user) {
    const hash = a.digest !== undefined ? appPasswordHashOfDigest(a.digest) : appPasswordHash(a.password);
    if (hash !== undefined && (await store.match(hash, a.door, user?.id)) && user)
      return { ok: true, user, standsIn: true };
    return fallback.verify(a, user);
  },
});
