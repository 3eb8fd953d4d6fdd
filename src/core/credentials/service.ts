import { errors } from '../errors.js';
import type { ClientInfo, SessionRegistry } from '../sessions/registry.js';
import type { User } from '../users/service.js';

/** What a presented credential names: its user and the session it belongs to. */
export interface SessionClaims {
  userId: string;
  sessionId: string;
}

/** What a session-less credential (a personal bearer token) names: its user alone. */
export interface UserClaims {
  userId: string;
  sessionId: null;
}

/** A kind the core can read back: its name and how to read a presented token. */
export interface ReadableKind<Claims extends SessionClaims | UserClaims = SessionClaims> {
  /** The name the dialect's manifest declares in `tokenKinds`. */
  id: string;
  /** The claims of a genuine credential of this kind, or undefined (a kind may throw its dialect's own error). */
  read(token: string): Promise<Claims | undefined>;
}

/**
 * A kind of credential bound to a session (HumHub's JWT, a Rocket.Chat resume token, privacyIDEA's JWT…):
 * how to mint one for a session, and how to read one back. A dialect declares its kinds in its `tokens.ts`;
 * the core opens the session and checks it, so no dialect writes a session or judges one alive.
 */
export interface CredentialKind<Issued = unknown, Claims extends SessionClaims = SessionClaims, Extra = void>
  extends ReadableKind<Claims> {
  /** The door a session opened for this kind records. */
  door: string;
  /** How long a session opened for this kind lives. */
  sessionMs: number;
  /** Its sessions start unproven: nobody proved the user's secret (an impersonation). */
  unproven?: boolean;
  /** The credential of `user` for the fresh session `sessionId` (`extra`: what the login adds, e.g. a realm). */
  mint(user: User, sessionId: string, extra: Extra): Promise<Issued>;
}

/** A presented credential, resolved: its principal, or why not (`ended`: genuine, but its session or user is gone). */
export type Resolution<Claims> =
  | { ok: true; reason?: undefined; user: User; claims: Claims }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'ended'; claims: Claims };

/**
 * The core's two operations on credentials: issue one of kind K for a new session, and resolve a presented
 * one to a principal. Kinds are registered once: the core's own (`core-kinds.ts`) by the composition root,
 * a dialect's by the dialect when its routes register.
 */
export function createCredentials(deps: { sessions: Pick<SessionRegistry, 'open' | 'check' | 'checkUser' | 'seen'> }) {
  const kinds = new Map<string, { id: string }>();
  /** invalid-token from the registry means "ended"; anything else (the database is down…) goes to the caller. */
  const ended = (err: unknown) => {
    if (errors.invalidToken.is(err)) return undefined;
    throw err;
  };

  return {
    /** Registers a kind; a name is taken once. */
    register<K extends { id: string }>(kind: K): K {
      if (kinds.has(kind.id)) throw new Error(`credential kind ${kind.id} is registered twice`);
      kinds.set(kind.id, kind);
      return kind;
    },

    /** The names of the registered kinds. */
    registered: (): string[] => [...kinds.keys()],

    /** Opens a session for `user` through the kind's door, and mints its credential. */
    async issue<I, E>(kind: CredentialKind<I, SessionClaims, E>, user: User, client: ClientInfo, extra: E) {
      const proven = kind.unproven ? { proven: false } : undefined;
      const session = await deps.sessions.open(user.id, kind.door, client, kind.sessionMs, proven);
      return { session, credential: await kind.mint(user, session.id, extra) };
    },

    /** The user and claims of a presented credential whose session (or, session-less, whose user) still lives. */
    async resolve<C extends SessionClaims | UserClaims>(kind: ReadableKind<C>, token: string): Promise<Resolution<C>> {
      const claims = await kind.read(token);
      if (!claims) return { ok: false, reason: 'invalid' };
      const user = await (claims.sessionId === null
        ? deps.sessions.checkUser(claims.userId)
        : deps.sessions.check(claims.userId, claims.sessionId)
      ).catch(ended);
      if (!user) return { ok: false, reason: 'ended', claims };
      // Every door's authenticated request is its user seen; an impersonation is not (nobody was there).
      if (!(kind as { unproven?: boolean }).unproven) await deps.sessions.seen(user.id, claims.sessionId);
      return { ok: true, user, claims };
    },
  };
}

export type Credentials = ReturnType<typeof createCredentials>;
