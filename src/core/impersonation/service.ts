import type { ApiTokens } from '../api-tokens/service.js';
import type { Audit } from '../audit/service.js';
import { AppError, errors } from '../errors.js';
import { actorName, type Actor } from '../sessions/actor.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { User, UserService } from '../users/service.js';

/** What an impersonation token starts with, as HumHub's `Authorization: Impersonate impersonated-…` expects. */
export const IMPERSONATION_PREFIX = 'impersonated-';

export interface ImpersonationDeps {
  users: UserService;
  sessions: SessionRegistry;
  apiTokens: ApiTokens;
  audit: Audit;
  /** HUMHUB_IMPERSONATION with the HumHub dialect served: the tokens are only good against HumHub's API. */
  enabled: boolean;
  /** IMPERSONATION_MINUTES. */
  minutes: number;
}

/**
 * Impersonation tokens: an admin acts as another user through HumHub's API. Each token has a
 * session of its own (so every revocation rule holds for it), and a new one voids the previous ones.
 */
export function createImpersonation(deps: ImpersonationDeps) {
  const { users, sessions, apiTokens, audit } = deps;
  const disabled = () => new AppError('feature-disabled', 404, 'Impersonation is disabled: set HUMHUB_IMPERSONATION=true (and serve the humhub dialect) to enable it');

  return {
    enabled: deps.enabled,
    minutes: deps.minutes,

    /** Issues a token that signs in as `targetId` for IMPERSONATION_MINUTES; 404 when off or the user is missing. */
    async issue(targetId: string, actor: Actor): Promise<{ token: string; expiresAt: Date; user: User }> {
      if (!deps.enabled) throw disabled();
      const target = await users.get(targetId);
      if (!target) throw errors.notFound('No such user');
      for (const old of await apiTokens.list(target.id, 'impersonation')) if (old.sessionId && !old.revokedAt) await sessions.revoke(old.sessionId, { userId: target.id, actor });
      const lifetimeMs = deps.minutes * 60_000;
      const client = { ip: actor.ip ?? null, userAgent: actor.userAgent ?? null };
      // Nobody proved the target's secret: the session is never fresh enough for a sensitive operation.
      const session = await sessions.open(target.id, 'humhub-impersonation', client, lifetimeMs, { proven: false });
      const { token, expiresAt } = await apiTokens.issue(target.id, 'impersonation', { lifetimeMs, sessionId: session.id, actor });
      await audit.record({ actor: actorName(actor), action: 'user.impersonate', subject: target.id, outcome: 'success', ip: actor.ip, userAgent: actor.userAgent, detail: { session: session.id, expires_at: expiresAt!.toISOString() } });
      return { token: `${IMPERSONATION_PREFIX}${token}`, expiresAt: expiresAt!, user: target };
    },

    /** The user an `impersonated-…` token signs in, while it and its session live. */
    async verify(token: string): Promise<User | undefined> {
      if (!deps.enabled || !token.startsWith(IMPERSONATION_PREFIX)) return undefined;
      const found = await apiTokens.verify(token.slice(IMPERSONATION_PREFIX.length), 'impersonation');
      return (found?.sessionId && (await sessions.check(found.userId, found.sessionId).catch(() => undefined))) || undefined;
    },
  };
}

export type Impersonation = ReturnType<typeof createImpersonation>;
