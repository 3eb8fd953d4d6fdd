import type { Logger } from 'pino';
import type { Queries } from '../../db/queries/index.js';
import type { OidcGrantRef } from '../../db/queries/oidc-store.js';
import type { Clock } from '../clock.js';
import type { OidcProvider } from './types.js';

/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0). A grant is a Gatehouse session: when it ends
 * alone (an admin ends it, the user signs out of it), its client receives a signed logout token naming the
 * grant's provider session (`sid`); when every session of a user ends (an admin disables or bans them,
 * logout-all, a password reset…), each client the user had a grant with does. The grants' tokens go with them.
 */
export function createBackchannelLogout(d: {
  provider: () => Promise<OidcProvider>;
  queries: Queries;
  clock: Clock;
  log: Logger;
}) {
  const pending = new Set<Promise<void>>();

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
    /** Waits for the notices under way (the app's close). */
    drain: async () => {
      await Promise.all([...pending]);
    },
  };
}
