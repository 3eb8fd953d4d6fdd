import type { ApiTokens } from '../api-tokens/service.js';
import type { Audit } from '../audit/service.js';
import { errors } from '../errors.js';
import type { Actor } from '../sessions/actor.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { User, UserService } from '../users/service.js';
import type { CredentialKind, Credentials, SessionClaims } from '../credentials/service.js';

/** What an impersonation token starts with, as HumHub's `Authorization: Impersonate impersonated-…` expects. */
export const IMPERSONATION_PREFIX = 'impersonated-';

/** An impersonation token's claims: its target and session, and the admin who issued it (null: the system). */
export type ImpersonationClaims = SessionClaims & { issuerId: string | null };

export interface ImpersonationDeps {
  users: UserService;
  sessions: SessionRegistry;
  credentials: Pick<Credentials, 'issue'>;
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
 * A token issued by an admin user also belongs to that admin: it works only while the issuer may
 * sign in and still has the admin role, read through the same bounded session check as any credential.
 */
export function createImpersonation(deps: ImpersonationDeps) {
  const { users, sessions, apiTokens, audit, credentials } = deps;
  const lifetimeMs = deps.minutes * 60_000;
  /** The issuing admin, if they may still act as one (live account, admin role); null for a system issuer. */
  async function issuerMayImpersonate(issuerId: string | null): Promise<boolean> {
    if (issuerId === null) return true; // x-admin-secret or the CLI: bounded by the token's own session
    const issuer = await sessions.checkUser(issuerId).catch(() => undefined);
    return Boolean(issuer?.roles.includes('admin'));
  }
  const disabled = () =>
    errors.featureDisabled(
      'Impersonation is disabled: set HUMHUB_IMPERSONATION=true (and serve the humhub dialect) to enable it',
    );

  /**
   * The `impersonated-…` token (HumHub's `Authorization: Impersonate`): an api_tokens row bound to a session of
   * its own, which starts unproven (nobody proved the target's secret), and to its issuer, whose admin rights
   * it needs: a token whose issuer may no longer impersonate reads as no token.
   */
  const kind: CredentialKind<
    { token: string; expiresAt: Date },
    ImpersonationClaims,
    { issuerId: string | null; actor: Actor }
  > = {
    id: 'impersonation',
    door: 'humhub-impersonation',
    sessionMs: lifetimeMs,
    unproven: true,
    async mint(user, sessionId, { issuerId, actor }) {
      const issued = await apiTokens.issue(user.id, 'impersonation', { lifetimeMs, sessionId, issuerId, actor });
      return { token: `${IMPERSONATION_PREFIX}${issued.token}`, expiresAt: issued.expiresAt! };
    },
    async read(token) {
      if (!deps.enabled || !token.startsWith(IMPERSONATION_PREFIX)) return undefined;
      const found = await apiTokens.verify(token.slice(IMPERSONATION_PREFIX.length), 'impersonation');
      if (!found?.sessionId || !(await issuerMayImpersonate(found.issuerId))) return undefined;
      return { userId: found.userId, sessionId: found.sessionId, issuerId: found.issuerId };
    },
  };

  return {
    enabled: deps.enabled,
    minutes: deps.minutes,
    kind,

    /** Issues a token that signs in as `targetId` for IMPERSONATION_MINUTES; 404 when off or the user is missing. */
    async issue(targetId: string, actor: Actor): Promise<{ token: string; expiresAt: Date; user: User }> {
      if (!deps.enabled) throw disabled();
      const target = await users.get(targetId);
      if (!target) throw errors.notFound('No such user');
      const issuerId = actor.kind === 'user' ? actor.id : null;
      if (!(await issuerMayImpersonate(issuerId))) throw errors.forbidden('Only an admin may impersonate users');
      for (const old of await apiTokens.list(target.id, 'impersonation'))
        if (old.sessionId && !old.revokedAt) await sessions.revoke(old.sessionId, { userId: target.id, actor });
      const client = { ip: actor.ip ?? null, userAgent: actor.userAgent ?? null };
      // Nobody proved the target's secret: the session is never fresh enough for a sensitive operation.
      const { session, credential } = await credentials.issue(kind, target, client, { issuerId, actor });
      const { token, expiresAt } = credential;
      const detail = { session: session.id, expires_at: expiresAt.toISOString() };
      await audit.recordBy(actor, 'user.impersonate', target.id, detail);
      return { token, expiresAt, user: target };
    },
  };
}

export type Impersonation = ReturnType<typeof createImpersonation>;
