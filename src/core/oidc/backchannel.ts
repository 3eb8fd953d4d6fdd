import type { Logger } from 'pino';
import type { Queries } from '../../db/queries/index.js';
import type { Clock } from '../clock.js';
import type { OidcProvider } from './types.js';

/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0) when every session of a user ends
 * (an admin disables or bans them, logout-all, a password reset…): each client the user had a grant
 * with, and that registered a `backchannel_logout_uri`, receives a signed logout token; the grants go.
 */
export function createBackchannelLogout(d: { provider: OidcProvider; queries: Queries; clock: Clock; log: Logger }) {
  const pending = new Set<Promise<void>>();

  async function send(userId: string): Promise<void> {
    const grants = await d.queries.oidcStore.grantsOf(userId, d.clock.now());
    const clients = new Set(grants.map((g) => g.clientId));
    for (const g of grants) await d.queries.oidcStore.revokeByGrantId(g.grantId);
    for (const clientId of clients) {
      const client = await d.provider.Client.find(clientId);
      if (!client?.backchannelLogoutUri) continue;
      try {
        await client.backchannelLogout(userId);
      } catch (err) {
        d.log.warn({ err, clientId }, 'back-channel logout failed');
      }
    }
  }

  return {
    /** Starts the notices for one user; never rejects. */
    notify(userId: string): void {
      const work = send(userId).catch((err) => d.log.warn({ err }, 'back-channel logout failed'));
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
    /** Waits for the notices under way (the app's close). */
    drain: async () => {
      await Promise.all([...pending]);
    },
  };
}
