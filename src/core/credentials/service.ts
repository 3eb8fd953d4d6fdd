import type { ClientInfo, SessionRegistry } from '../sessions/registry.js';
import type { User } from '../users/service.js';

/** What a presented credential names: its user and the session it belongs to. */
export interface SessionClaims {
  userId: string;
  sessionId: string;
}

/**
 * A kind of credential bound to a session (HumHub's JWT, a Rocket.Chat resume token, privacyIDEA's JWT…):
 * how to mint one for a session, and how to read one back. A dialect declares its kinds in its `tokens.ts`;
 * the core opens the session and checks it, so no dialect writes a session or judges one alive.
 */
export interface CredentialKind<Issued = unknown, Claims extends SessionClaims = SessionClaims, Extra = void> {
  /** The name the dialect's manifest declares in `tokenKinds`. */
  id: string;
  /** The door a session opened for this kind records. */
  door: string;
  /** How long a session opened for this kind lives. */
  sessionMs: number;
  /** The credential of `user` for the fresh session `sessionId` (`extra`: what the login adds, e.g. a realm). */
  mint(user: User, sessionId: string, extra: Extra): Promise<Issued>;
  /** The claims of a genuine credential of this kind, or undefined (a kind may throw its dialect's own error). */
  read(token: string): Promise<Claims | undefined>;
}

/** A presented credential, resolved: its principal, or why not (`ended`: genuine, but its session or user is gone). */
export type Resolution<Claims extends SessionClaims> =
  | { ok: true; reason?: undefined; user: User; claims: Claims }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'ended'; claims: Claims };

/**
 * The core's two operations on credentials: issue one of kind K for a new session, and resolve a presented
 * one to a principal. Kinds are registered once, by the dialects that declare them.
 */
export function createCredentials(deps: { sessions: SessionRegistry }) {
  const kinds = new Map<string, { id: string }>();

  return {
    /** Registers a kind (a dialect does, when its routes register); a name is taken once. */
    register<K extends { id: string }>(kind: K): K {
      if (kinds.has(kind.id)) throw new Error(`credential kind ${kind.id} is registered twice`);
      kinds.set(kind.id, kind);
      return kind;
    },

    /** The names of the registered kinds. */
    registered: (): string[] => [...kinds.keys()],

    /** Opens a session for `user` through the kind's door, and mints its credential. */
    async issue<I, E>(kind: CredentialKind<I, SessionClaims, E>, user: User, client: ClientInfo, extra: E) {
      const session = await deps.sessions.open(user.id, kind.door, client, kind.sessionMs);
      return { session, credential: await kind.mint(user, session.id, extra) };
    },

    /** The user and claims of a presented credential whose session still lives. */
    async resolve<C extends SessionClaims>(
      kind: Pick<CredentialKind<unknown, C>, 'read'>,
      token: string,
    ): Promise<Resolution<C>> {
      const claims = await kind.read(token);
      if (!claims) return { ok: false, reason: 'invalid' };
      const user = await deps.sessions.check(claims.userId, claims.sessionId).catch(() => undefined);
      return user ? { ok: true, user, claims } : { ok: false, reason: 'ended', claims };
    },
  };
}

export type Credentials = ReturnType<typeof createCredentials>;
