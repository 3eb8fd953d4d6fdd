import type { Queries } from '../../db/queries/index.js';
import type { AppPasswordRow } from '../../db/queries/app-passwords.js';
import type { Audit } from '../audit/service.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import { sha256 } from '../hash.js';
import type { Actor } from '../sessions/actor.js';
import type { SessionRegistry } from '../sessions/registry.js';

/** The doors that carry only a password, and so accept an app password in its place. */
export const APP_PASSWORD_DOORS = ['humhub', 'rocketchat', 'privacyidea', 'datarhei'] as const;
export type AppPasswordDoor = (typeof APP_PASSWORD_DOORS)[number];

/** The app-password door a login door belongs to (HumHub's JWT login and its HTTP Basic are one door). */
export const appPasswordDoorOf = (door: string): AppPasswordDoor | undefined =>
  door === 'humhub-basic' ? 'humhub' : APP_PASSWORD_DOORS.find((d) => d === door);

const PREFIX = 'gh-app-';
/** What an app password looks like: the prefix and 32 base64url characters (192 random bits). */
export const looksLikeAppPassword = (value: string) => /^gh-app-[A-Za-z0-9_-]{32}$/.test(value);

/** The stored hash of an app password, from the secret or from Rocket.Chat's SHA-256 hex digest of it. */
export const appPasswordHash = (secret: string) => sha256(secret);
export const appPasswordHashOfDigest = (digest: string) =>
  /^[0-9a-f]{64}$/i.test(digest) ? Buffer.from(digest, 'hex').toString('base64url') : undefined;

/**
 * App passwords: named, per-door secrets shown once and stored as hashes, that a door which carries
 * only a password accepts in its place (through the login pipeline: the same limits, account state and
 * audit). They stand for the whole sign-in on that door, second factor included, so creating one needs
 * a fresh proof; revoking one ends the user's sessions on its door.
 */
export function createAppPasswords(deps: {
  queries: Queries;
  clock: Clock;
  random: Random;
  audit: Audit;
  sessions: Pick<SessionRegistry, 'list' | 'revoke'>;
}) {
  const { queries, clock, audit } = deps;

  function newSecret(): string {
    for (;;) {
      const secret = PREFIX + deps.random.bytes(24).toString('base64url');
      // privacyIDEA's password+OTP form reads six trailing digits as a code: never end like one.
      if (!/\d{6}$/.test(secret)) return secret;
    }
  }

  const record = audit.recordBy;

  return {
    /** A new app password for one door; the secret is in this answer only. */
    async create(userId: string, input: { door: AppPasswordDoor; name: string }, actor: Actor) {
      const secret = newSecret();
      const row = { id: deps.random.uuid(), userId, door: input.door, name: input.name.trim(), createdAt: clock.now() };
      await queries.appPasswords.insert({ ...row, hash: appPasswordHash(secret) });
      await record(actor, 'app_password.create', userId, { app_password: row.id, door: row.door });
      return { ...row, lastUsedAt: null, revokedAt: null, secret } satisfies AppPasswordRow & { secret: string };
    },

    list: (userId: string) => queries.appPasswords.listOf(userId),

    /** Revokes one; the user's live sessions on its door end with it (a session does not name its secret). */
    async revoke(userId: string, id: string, actor: Actor): Promise<void> {
      const row = await queries.appPasswords.revoke(userId, id, clock.now());
      if (!row) throw errors.notFound('No such live app password');
      for (const session of await deps.sessions.list(userId))
        if (appPasswordDoorOf(session.door) === row.door)
          await deps.sessions.revoke(session.id, { userId, actor, reason: 'app-password-revoked' });
      await record(actor, 'app_password.revoke', userId, { app_password: id, door: row.door });
    },

    /** Whether `hash` is a live app password of this user for this login door; a match is stamped as used. */
    async match(hash: string, door: string, userId: string | undefined): Promise<boolean> {
      const row = await queries.appPasswords.byHash(hash);
      if (!row || row.revokedAt || row.userId !== userId || row.door !== appPasswordDoorOf(door)) return false;
      await queries.appPasswords.touch(row.id, clock.now());
      return true;
    },
  };
}

export type AppPasswords = ReturnType<typeof createAppPasswords>;
