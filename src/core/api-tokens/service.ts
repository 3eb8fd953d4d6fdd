import { createHash } from 'node:crypto';
import type { ApiTokenRow } from '../../db/queries/api-tokens.js';
import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { Clock, Random } from '../clock.js';
import { decodeTimeIdCursor, toPage } from '../cursor.js';
import type { Actor } from '../sessions/actor.js';

/** What a token is bound to besides its user: a session, and for impersonation an issuing admin. */
type Bound = 'sessionId' | 'issuerId';

/** SHA-256, base64: the form Rocket.Chat stores its login tokens in, used for every kind here. */
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64');

export interface IssueOptions {
  /** Null: no expiry. */
  lifetimeMs: number | null;
  name?: string | null;
  /** The session a login token belongs to (Rocket.Chat, impersonation); personal bearer tokens have none. */
  sessionId?: string | null;
  /** The admin an impersonation token also belongs to: it dies with their admin rights (see impersonation). */
  issuerId?: string | null;
  actor?: Actor;
}

/** Opaque long-lived tokens of one kind each, stored as hashes; revoked or expired ones stop at once. */
export function createApiTokens(opts: { queries: Queries; clock: Clock; random: Random; audit: Audit }) {
  const { queries, clock, audit } = opts;
  return {
    async issue(
      userId: string,
      kind: string,
      o: IssueOptions,
    ): Promise<{ id: string; token: string; expiresAt: Date | null }> {
      const token = opts.random.bytes(32).toString('base64url');
      const id = opts.random.uuid();
      const now = clock.now();
      const expiresAt = o.lifetimeMs === null ? null : new Date(now.getTime() + o.lifetimeMs);
      const bound = { sessionId: o.sessionId ?? null, issuerId: o.issuerId ?? null };
      const name = o.name ?? null;
      await queries.apiTokens.insert({ hash: hashToken(token), id, userId, kind, name, expiresAt, now, ...bound });
      if (o.actor) await audit.recordBy(o.actor, 'token.create', userId, { token: id, kind });
      return { id, token, expiresAt };
    },

    /** The user (and session, and issuer) a live token of this kind belongs to. */
    async verify(token: string, kind: string): Promise<Pick<ApiTokenRow, Bound | 'id' | 'userId'> | undefined> {
      const row = await queries.apiTokens.find(hashToken(token));
      if (!row || row.kind !== kind || row.revokedAt || (row.expiresAt && row.expiresAt <= clock.now()))
        return undefined;
      return { id: row.id, userId: row.userId, sessionId: row.sessionId, issuerId: row.issuerId };
    },

    /** A user's tokens of a kind, never the tokens themselves. */
    list: (userId: string, kind: string) => queries.apiTokens.listOf(userId, kind),

    /** One page of a user's tokens of a kind, oldest first. */
    async listPage(userId: string, kind: string, o: { limit: number; cursor?: string }) {
      const after = o.cursor === undefined ? undefined : decodeTimeIdCursor(o.cursor);
      const rows = await queries.apiTokens.listOf(userId, kind, { limit: o.limit + 1, after });
      return toPage(rows, o.limit, (x) => [x.createdAt.toISOString(), x.id]);
    },

    /** Revokes by id (only `userId`'s when given). Returns whether a live token was revoked. */
    async revokeById(id: string, actor: Actor, userId?: string): Promise<boolean> {
      const done = await queries.apiTokens.revokeById(id, clock.now(), userId);
      if (done) await audit.recordBy(actor, 'token.revoke', userId ?? null, { token: id });
      return done;
    },
  };
}

export type ApiTokens = ReturnType<typeof createApiTokens>;
