import type { CoreLog } from '../log.js';
import type { Queries } from '../../db/queries/index.js';
import type { OidcGrantRef } from '../../db/queries/oidc-store.js';
import type { Clock } from '../clock.js';
import type { OidcProvider } from './types.js';

/** Deleted grants kept for their `grant.revoked` event: far more than one instance has under way at once. */
const MAX_PENDING_DELETIONS = 1_000;

/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0). A grant is a Gatehouse session: when it ends
 * alone (an admin ends it, the user signs out of it), its client receives a signed logout token naming the
 * grant's provider session (`sid`); when every session of a user ends (an admin disables or bans them,
 * logout-all, a password reset…), each client the user had a grant with does. The grants' tokens go with them.
 * When oidc-provider ends a grant itself (reuse detection, revocation), its client is told too (`revoked`).
 */
export function createBackchannelLogout(d: {
  provider: () => Promise<OidcProvider>;
  queries: Queries;
  clock: Clock;
  log: CoreLog;
}) {
  const pending = new Set<Promise<void>>();
  /** Grants oidc-provider deleted, until its `grant.revoked` event (which follows each) says where. */
  const deleted = new Map<string, OidcGrantRef>();

  async function send(grants: OidcGrantRef[]): Promise<void> {
    for (const g of grants) await d.queries.oidcStore.revokeByGrantId(g.grantId);
    const provider = await d.provider();
    const sent = new Set<string>();
    for (const g of grants) {
      const once = `${g.clientId} ${g.sid ?? ''}`;
      if (sent.has(once)) continue;
      sent.add(once);
      const client = await provider.Client.find(g.clientId);
      if (!client?.backchannelLogoutUri) continue;
      try {
        await client.backchannelLogout(g.accountId, g.sid ?? undefined);
      } catch (err) {
        d.log.warn({ err, clientId: g.clientId }, 'back-channel logout failed');
      }
    }
  }

  function start(work: Promise<void>): void {
    const done = work.catch((err) => d.log.warn({ err }, 'back-channel logout failed'));
    pending.add(done);
    void done.finally(() => pending.delete(done));
  }

  return {
    /** Starts the notices for every grant of one user; never rejects. */
    notify(userId: string): void {
      start(d.queries.oidcStore.grantsOf(userId, d.clock.now()).then(send));
    },
    /** Starts the notice of one ended session, when it is a grant; never rejects. */
    notifySession(sessionId: string): void {
      start(d.queries.oidcStore.grant(sessionId, d.clock.now()).then((g) => (g ? send([g]) : undefined)));
    },
    /** Keeps a grant oidc-provider deleted (its row is gone by the time it says why). */
    deleted(grant: OidcGrantRef): void {
      deleted.set(grant.grantId, grant);
      // `grant.revoked` follows a revocation's deletion in the same request; a deletion no event follows (a grant
      // replaced or destroyed with its session) must not stay for the process's life: the oldest go first.
      if (deleted.size > MAX_PENDING_DELETIONS) deleted.delete(deleted.keys().next().value!);
    },
    /**
     * oidc-provider ended a grant itself (`grant.revoked`: refresh-token or code reuse, a refresh token revoked by
     * its client, RP-initiated logout): its client is told, but at RP-initiated logout, where oidc-provider already
     * sent the logout token. Never rejects.
     */
    revoked(grantId: string, route: string | undefined): void {
      const grant = deleted.get(grantId);
      deleted.delete(grantId);
      if (grant && !route?.startsWith('end_session')) start(send([grant]));
    },
    /** Waits for the notices under way (the app's close). */
    drain: async () => {
      await Promise.all([...pending]);
    },
  };
}
