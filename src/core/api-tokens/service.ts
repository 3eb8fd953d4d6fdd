import { createHash } from 'node:crypto';
import type { Queries } from '../../db/queries/index.js';
import type { Clock, Random } from '../clock.js';

/** SHA-256, base64: the form Rocket.Chat stores its login tokens in, used for every kind here. */
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64');

/** Opaque long-lived tokens of one kind each, stored as hashes; revoked or expired ones stop at once. */
export function createApiTokens(opts: { queries: Queries; clock: Clock; random: Random }) {
  const { queries, clock } = opts;
  return {
    async issue(userId: string, kind: string, lifetimeMs: number | null, name: string | null = null): Promise<{ id: string; token: string; expiresAt: Date | null }> {
      const token = opts.random.bytes(32).toString('base64url');
      const id = opts.random.uuid();
      const now = clock.now();
      const expiresAt = lifetimeMs === null ? null : new Date(now.getTime() + lifetimeMs);
      await queries.apiTokens.insert({ hash: hashToken(token), id, userId, kind, name, expiresAt, now });
      return { id, token, expiresAt };
    },

    /** The user a live token of this kind belongs to. */
    async verify(token: string, kind: string): Promise<{ id: string; userId: string } | undefined> {
      const row = await queries.apiTokens.find(hashToken(token));
      if (!row || row.kind !== kind || row.revokedAt || (row.expiresAt && row.expiresAt <= clock.now())) return undefined;
      return { id: row.id, userId: row.userId };
    },

    /** Issues a token that replaces every earlier live token of its kind for the user. */
    async replace(userId: string, kind: string, lifetimeMs: number): Promise<{ id: string; token: string; expiresAt: Date | null }> {
      await queries.apiTokens.revokeKind(userId, kind, clock.now());
      return this.issue(userId, kind, lifetimeMs);
    },

    async revoke(token: string): Promise<void> {
      await queries.apiTokens.revokeByHash(hashToken(token), clock.now());
    },
  };
}

export type ApiTokens = ReturnType<typeof createApiTokens>;
