import { LRUCache } from 'lru-cache';
import { lazy } from '../lazy.js';
import type { Queries } from '../../db/queries/index.js';
import type { SessionRow } from '../../db/queries/sessions.js';
import { isForeignKeyViolation } from '../../db/dialect.js';
import type { Audit } from '../audit/service.js';
import type { Clock, Random } from '../clock.js';
import { decodeTimeIdCursor, toPage, type Page } from '../cursor.js';
import { errors } from '../errors.js';
import type { User } from '../users/service.js';
import type { Actor } from './actor.js';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** Told that every session of a user but `except` ended; awaited, must not reject. */
type AllEnded = (userId: string, reason: string, except?: string) => void | Promise<void>;
/** Told that one session (opened at `door`) ended; awaited, must not reject. */
type OneEnded = (userId: string, sessionId: string, door: string) => void | Promise<void>;

/** Why every session of a user ended: kept in the audit log. */
export type RevocationReason =
  | 'refresh-token-reused'
  | 'logout-all'
  | 'disabled'
  | 'banned'
  | 'password-changed'
  | 'password-reset'
  | 'email-changed'
  | 'email-change-undone'
  | 'admin'
  | 'directory'
  | 'account-takeover'
  | 'app-password-revoked'
  | 'deanonymized'
  | 'deleted'
  | 'sign-on-ended'
  | 'sign-on-expired'
  | 'client-deleted';

export interface SessionRegistryOptions {
  queries: Queries;
  clock: Clock;
  random: Random;
  audit: Audit;
  /** How long an instance may trust what it read of a user and a session: the cross-instance revocation bound. */
  cacheMs: number;
  cacheSize: number;
}

/** An account may sign in and use its credentials: active, not disabled, not banned. */
export function canSignIn(user: Pick<User, 'active' | 'disabled' | 'bannedUntil'>, now: Date): boolean {
  return user.active && !user.disabled && !(user.bannedUntil && user.bannedUntil > now);
}

/** How often an instance writes "last seen" for one session at most. */
export const SEEN_EVERY_MS = 60_000;

type Entry = { user: User; live: boolean } | { user: undefined; live: false };

/**
 * The one session registry. Every credential of every dialect names a session (or, for
 * personal bearer tokens, only its user); `check` decides whether it still counts. What an
 * instance read is trusted for `cacheMs` at most, so a revocation made on any instance holds
 * on every other within that bound, and at once on the instance that made it.
 */
export function createSessionRegistry(opts: SessionRegistryOptions) {
  const { queries, clock, audit } = opts;
  const cache =
    opts.cacheMs > 0 ? lazy(() => new LRUCache<string, Entry>({ max: opts.cacheSize, ttl: opts.cacheMs })) : undefined;
  const NO_SESSION = '-';
  /** Told after every session of a user (but `except`) ended (the identity provider's back-channel logout). */
  const allEnded: AllEnded[] = [];
  /** Told after one session ended (the identity provider's back-channel logout of that session's grant). */
  const oneEnded: OneEnded[] = [];
  /** When this instance last wrote "last seen" for a session (or a session-less user): at most once a minute. */
  const stamped = lazy(() => new LRUCache<string, number>({ max: Math.max(opts.cacheSize, 10_000) }));

  async function load(userId: string, sessionId: string): Promise<Entry> {
    const key = `${userId} ${sessionId}`;
    const hit = cache?.peek()?.get(key);
    if (hit) return hit;
    let entry: Entry;
    if (sessionId === NO_SESSION) {
      const user = await queries.users.findWithRoles('id', userId);
      entry = user ? { user, live: true } : { user: undefined, live: false };
    } else {
      const found = await queries.sessions.findUserWithSession(userId, sessionId);
      if (!found) entry = { user: undefined, live: false };
      else {
        const { user, session } = found;
        entry = { user, live: Boolean(session && !session.revokedAt && session.expiresAt > clock.now()) };
      }
    }
    cache?.().set(key, entry);
    return entry;
  }

  /** Drops what this instance remembers of a user, after any change to them. */
  function forget(userId: string): void {
    const made = cache?.peek();
    if (!made) return;
    const prefix = `${userId} `;
    for (const key of made.keys()) if (key.startsWith(prefix)) made.delete(key);
  }

  async function ended(userId: string, one: SessionRow | null, actor: Actor, reason: string, except?: string) {
    forget(userId);
    // Awaited: what the listeners end in the database has ended when the revocation answers (they never reject,
    // and what may be slow, such as a relying party's logout endpoint, they start without waiting for it).
    if (one === null) await Promise.all(allEnded.map((listener) => listener(userId, reason, except)));
    else await Promise.all(oneEnded.map((listener) => listener(userId, one.id, one.door)));
    await audit.recordBy(actor, one ? 'session.revoke' : 'session.revoke-all', userId, {
      reason,
      ...(one ? { session: one.id } : {}),
    });
  }

  return {
    canSignIn,
    forget,
    /** Calls `listener` after every session of a user ended (logout-all, disable, ban, password reset, delete…). */
    onAllEnded: (listener: AllEnded) => void allEnded.push(listener),
    /** Calls `listener` after one session ended (whatever ended it: the user, an admin, a reuse). */
    onEnded: (listener: OneEnded) => void oneEnded.push(listener),

    /**
     * The one way a session opens, for a credential about to be issued. A sign-in proves a secret, so the
     * session starts proven, unless `proven: false` (an impersonation: nobody proved the user's secret).
     * With `refreshTokenHash` (HBP and provider sign-in), the session's first refresh token is written with it,
     * in one statement: the token's family is the session.
     */
    async open(
      userId: string,
      door: string,
      client: ClientInfo,
      lifetimeMs: number,
      o: { proven?: boolean; refreshTokenHash?: string } = {},
    ) {
      const now = clock.now();
      const id = opts.random.uuid();
      const expiresAt = new Date(now.getTime() + lifetimeMs);
      const provenAt = o.proven === false ? null : now;
      const { ip, userAgent } = client;
      const { refreshTokenHash } = o;
      const row = { id, userId, door, now, expiresAt, ip, userAgent, provenAt, refreshTokenHash };
      await queries.sessions.insert(row).catch((err: unknown) => {
        // The account was deleted between its login and this insert: the login fails as any other would.
        throw isForeignKeyViolation(err) ? errors.invalidCredentials() : err;
      });
      // The statement that writes a session with its first refresh token stamps it proven (the common case).
      if (o.refreshTokenHash && provenAt === null) await queries.sessions.prove(id, userId, null);
      return { id, expiresAt };
    },

    /** The user behind a credential of session `sessionId`, or invalid-token when the user or the session is gone. */
    async check(userId: string, sessionId: string): Promise<User> {
      const { user, live } = await load(userId, sessionId);
      if (!user || !live || !canSignIn(user, clock.now())) throw errors.invalidToken();
      return user;
    },

    /** The user behind a session-less credential (a personal bearer token), if they may still use it. */
    async checkUser(userId: string): Promise<User> {
      const { user } = await load(userId, NO_SESSION);
      if (!user || !canSignIn(user, clock.now())) throw errors.invalidToken();
      return user;
    },

    /**
     * The user was seen just now through a credential of session `sessionId` (null: a session-less one). Writes
     * `users.last_seen_at` at most once a minute per session and instance, so a busy session costs one write a
     * minute. Best effort: a failed write does not fail the request that was let through.
     */
    async seen(userId: string, sessionId: string | null): Promise<void> {
      const now = clock.now().getTime();
      const key = sessionId ?? `user ${userId}`;
      const last = stamped().get(key);
      if (last !== undefined && now - last < SEEN_EVERY_MS && now >= last) return;
      stamped().set(key, now);
      await queries.userActivity.touchSeen(userId, new Date(now)).catch(() => stamped().delete(key));
    },

    /** When the holder of a live session of `userId` last proved a secret (null: never, or no such live session). */
    async provenAt(userId: string, sessionId: string): Promise<Date | null> {
      const session = await queries.sessions.find(sessionId);
      const live = session && session.userId === userId && !session.revokedAt && session.expiresAt > clock.now();
      return live ? session.provenAt : null;
    },

    /** Stamps the session: its holder proved a secret just now. Returns whether a live session was stamped. */
    prove: (userId: string, sessionId: string): Promise<boolean> =>
      queries.sessions.prove(sessionId, userId, clock.now()),

    list: (userId: string): Promise<SessionRow[]> => queries.sessions.liveOf(userId, clock.now()),

    /** One page of a user's live sessions, newest first. */
    async listPage(userId: string, o: { limit: number; cursor?: string }): Promise<Page<SessionRow>> {
      const after = o.cursor === undefined ? undefined : decodeTimeIdCursor(o.cursor);
      const rows = await queries.sessions.liveOf(userId, clock.now(), { limit: o.limit + 1, after });
      return toPage(rows, o.limit, (x) => [x.createdAt.toISOString(), x.id]);
    },

    /** Ends one session and every credential of it, in every dialect. Returns whether a live session ended. */
    async revoke(sessionId: string, o: { userId?: string; actor: Actor; reason?: RevocationReason }): Promise<boolean> {
      const now = clock.now();
      const session = await queries.sessions.find(sessionId);
      if (!session || (o.userId && session.userId !== o.userId)) return false;
      const done = await queries.transaction(async (q) => {
        const live = await q.sessions.revoke(sessionId, now);
        await q.refreshTokens.revokeFamily(sessionId, now);
        await q.apiTokens.revokeSession(sessionId, now);
        return live;
      });
      await ended(session.userId, session, o.actor, o.reason ?? 'logout');
      return done;
    },

    /** Ends every session of a user (but `except`), and with them every credential any dialect issued. */
    async revokeAll(userId: string, o: { actor: Actor; reason: RevocationReason; except?: string }): Promise<void> {
      const now = clock.now();
      await queries.transaction(async (q) => {
        await q.sessions.revokeAllOfUser(userId, now, o.except);
        await q.refreshTokens.revokeAllOfUser(userId, now, o.except);
        await q.apiTokens.revokeSessionsOfUser(userId, now, o.except);
      });
      await ended(userId, null, o.actor, o.reason, o.except);
    },

    /** Housekeeping. */
  };
}

export type SessionRegistry = ReturnType<typeof createSessionRegistry>;
