import type { CoreLog } from '../log.js';
import type { Queries } from '../../db/queries/index.js';
import type { ExpiredRows } from '../../db/queries/expired-rows.js';
import type { OidcGrantRef } from '../../db/queries/oidc-store.js';
import type { Clock } from '../clock.js';
import { SYSTEM } from '../sessions/actor.js';
import type { RevocationReason, SessionRegistry } from '../sessions/registry.js';
import { OIDC_DOOR, SSO_DOOR } from './doors.js';
import type { OidcClientModel, OidcProvider } from './types.js';

/** Deleted grants kept for their `grant.revoked` event: far more than one instance has under way at once. */
const MAX_PENDING_DELETIONS = 1_000;

/** Logout tokens posted at once by one batch: a slow receiver (oidc-provider gives each 2.5 s) holds up no other. */
const AT_ONCE = 8;

/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0). A grant is a Gatehouse session: when it ends
 * alone (an admin ends it, the user signs out of it), its client receives a signed logout token naming the
 * grant's provider session (`sid`); when the browser's single sign-on session ends alone (the user signs out, an
 * admin ends it), its provider sessions end with every grant signed in through them, and each client is told; when
 * every session of a user ends (disable, ban, delete, logout-all, a password change or reset…), each client the user
 * had a grant with is; when a sign-on session expires, housekeeping ends what was signed in through it the same way.
 * Deleting a client tells it about each of its grants. The grants' tokens go with them.
 * When oidc-provider ends a grant itself (reuse detection, revocation), its client is told too (`revoked`).
 * What is in the database ends before the revocation answers; the tokens are posted afterwards, never awaited by it.
 */
export function createBackchannelLogout(d: {
  provider: () => Promise<OidcProvider>;
  queries: Queries;
  sessions: SessionRegistry;
  clock: Clock;
  log: CoreLog;
}) {
  const store = d.queries.oidcStore;
  const pending = new Set<Promise<void>>();
  /** Grants oidc-provider deleted, until its `grant.revoked` event (which follows each) says where. */
  const deleted = new Map<string, OidcGrantRef>();

  /**
   * Ends grants in the store (every token of each) and, with `reason`, their Gatehouse sessions too. Answers those
   * this call ended: when two revocations meet, one of them tells the client.
   */
  async function end(grants: OidcGrantRef[], reason?: RevocationReason): Promise<OidcGrantRef[]> {
    const ended: OidcGrantRef[] = [];
    for (const g of grants) {
      if (await store.revokeByGrantId(g.grantId)) ended.push(g);
      if (reason) await d.sessions.revoke(g.grantId, { userId: g.accountId, actor: SYSTEM, reason });
    }
    return ended;
  }

  /**
   * Ends the grants signed in through a single sign-on session (which has ended: its provider sessions no longer
   * count) and then its provider sessions; answers the grants this call ended.
   */
  async function endSignOn(ssoSessionId: string, reason: RevocationReason): Promise<OidcGrantRef[]> {
    const ended = await end(await store.grantsOfSignOn(ssoSessionId, d.clock.now()), reason);
    await store.endSignOn(ssoSessionId);
    return ended;
  }

  /** Posts each grant's logout token (once per client, user and `sid`), `AT_ONCE` at a time. */
  async function send(grants: OidcGrantRef[], known?: OidcClientModel): Promise<void> {
    const once = new Map(grants.map((g) => [`${g.clientId} ${g.accountId} ${g.sid ?? ''}`, g]));
    const queue = [...once.values()];
    if (!queue.length) return;
    const provider = await d.provider();
    const post = async (g: OidcGrantRef) => {
      // A grant with no provider session has nothing to tell: its client requires a `sid` (every client registers
      // `backchannel_logout_session_required`), and it was told when its session ended (`toldAtLogout`).
      if (!g.sid) return;
      const client = known?.clientId === g.clientId ? known : await provider.Client.find(g.clientId);
      if (!client?.backchannelLogoutUri) return;
      try {
        await client.backchannelLogout(g.accountId, g.sid ?? undefined);
      } catch (err) {
        d.log.warn({ err, clientId: g.clientId }, 'back-channel logout failed');
      }
    };
    const worker = async () => {
      for (let g = queue.shift(); g; g = queue.shift()) await post(g);
    };
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, queue.length) }, worker));
  }

  /** Runs work in the background; the app's close waits for it (`drain`). */
  function track(work: Promise<void>): void {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  }

  /** Starts the posts without waiting for them. */
  function tell(grants: OidcGrantRef[], known?: OidcClientModel): void {
    if (grants.length) track(send(grants, known).catch((err) => d.log.warn({ err }, 'back-channel logout failed')));
  }

  /** Runs a listener's work; a failure is logged, never thrown at the revocation that called it. */
  const safely = (work: () => Promise<void>) =>
    work().catch((err) => d.log.warn({ err }, 'ending the identity provider sessions failed'));

  return {
    /** Every session of a user but `except` ended: their grants, provider sessions and clients. Never rejects. */
    userEnded: (userId: string, except?: string) =>
      safely(async () => {
        const all = await store.grantsOf(userId, d.clock.now());
        const grants = except ? all.filter((g) => g.grantId !== except && g.ssoSessionId !== except) : all;
        const ended = await end(grants);
        await store.endSessionsOf(userId, except);
        tell(ended);
      }),

    /**
     * One session ended. A grant (door `oidc`): its client is told. A single sign-on session (door `sso`): its
     * provider sessions end, and with them each grant signed in through them (its Gatehouse session too), whose
     * client is told. Any other door's session has nothing here. Never rejects.
     */
    sessionEnded: (sessionId: string, door: string) =>
      safely(async () => {
        if (door === OIDC_DOOR) {
          const own = await store.grant(sessionId, d.clock.now());
          tell(await end(own ? [own] : []));
        } else if (door === SSO_DOOR) tell(await endSignOn(sessionId, 'sign-on-ended'));
      }),

    /**
     * Housekeeping's step for single sign-on sessions that expired: each ends what was signed in through it, as
     * when it ends alone, and the clients are told. A batch is the sign-on sessions of one statement; `oldest` tells
     * how far behind the step is.
     */
    expiredSignOns: {
      async deleteBatch(before: Date, limit: number): Promise<number> {
        const expired = await d.queries.sessions.expiredSignOns(before, limit);
        for (const ssoSessionId of expired) tell(await endSignOn(ssoSessionId, 'sign-on-expired'));
        return expired.length;
      },
      oldest: (before: Date) => d.queries.sessions.oldestExpiredSignOn(before),
    } satisfies ExpiredRows,

    /**
     * Deletes a client (`remove`, which may refuse), then ends its grants; each is told with the client's settings
     * as they were before it went.
     */
    async clientRemoved(clientId: string, remove: () => Promise<void>): Promise<void> {
      // A client oidc-provider cannot read (its settings refused) can still be deleted: it is told nothing.
      const client = await (await d.provider()).Client.find(clientId).catch(() => undefined);
      await remove();
      const ended = await end(await store.grantsOfClient(clientId, d.clock.now()), 'client-deleted');
      if (client) tell(ended, client);
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
      if (grant && !route?.startsWith('end_session'))
        track(
          safely(async () => {
            await end([grant]);
            tell([grant]);
          }),
        );
    },
    /**
     * oidc-provider told a client at RP-initiated logout that its provider session `sid` ended. A grant it does not
     * end there (`offline_access`) forgets that `sid`, so that its client is not told of the same session again when
     * the grant ends later; a later sign-in through a new provider session names the new one.
     */
    toldAtLogout(clientId: string, accountId: string, sid: string): void {
      track(safely(() => store.forgetSid(clientId, accountId, sid)));
    },
    /** Waits for the notices under way (the app's close). */
    drain: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
