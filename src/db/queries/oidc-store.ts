import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import { toDateOrNull } from '../dialect.js';
import type { Database } from '../types.js';
import { expiredRows } from './expired-rows.js';

/** One stored oidc-provider object: the key and lookups are hashes, the payload is sealed by the caller. */
export interface OidcStoreEntry {
  key: string;
  model: string;
  payload: string;
  grantId: string | null;
  /** Grants only: the user and the client. */
  accountId: string | null;
  clientId: string | null;
  uidHash: string | null;
  userCodeHash: string | null;
  expiresAt: Date;
  /** Provider sessions only: the browser's single sign-on session (left as it is when absent). */
  ssoSessionId?: string | null;
}

/** A grant as back-channel logout needs it. */
export interface OidcGrantRef {
  grantId: string;
  clientId: string;
  accountId: string;
  sid: string | null;
  /** The single sign-on session its provider session belongs to (migration 0033). */
  ssoSessionId: string | null;
}

export interface OidcStoreFound {
  payload: string;
  consumedAt: Date | null;
}

const GRANT_COLUMNS = ['model', 'grant_id', 'client_id', 'account_id', 'sid', 'sso_session_id'] as const;

export function createOidcStoreQueries(db: Kysely<Database>, dialect: DialectName) {
  const live = (now: Date) =>
    db.selectFrom('oidc_store').select(['payload', 'consumed_at']).where('expires_at', '>', now);
  const found = (r: { payload: string; consumed_at: unknown } | undefined): OidcStoreFound | undefined =>
    r && { payload: r.payload, consumedAt: toDateOrNull(r.consumed_at) };

  const grants = (now: Date) =>
    db
      .selectFrom('oidc_store')
      .select(['grant_id', 'client_id', 'account_id', 'sid', 'sso_session_id'])
      .where('model', '=', 'Grant')
      .where('expires_at', '>', now);
  const grantRef = (r: {
    grant_id: string | null;
    client_id: string | null;
    account_id: string | null;
    sid: string | null;
    sso_session_id: string | null;
  }) => ({
    grantId: String(r.grant_id),
    clientId: String(r.client_id),
    accountId: String(r.account_id),
    sid: r.sid,
    ssoSessionId: r.sso_session_id,
  });

  const grantsWhere = async (
    column: 'sso_session_id' | 'client_id' | 'account_id',
    value: string,
    now: Date,
  ): Promise<OidcGrantRef[]> => (await grants(now).where(column, '=', value).execute()).map(grantRef);

  const grantOf = (rows: (Parameters<typeof grantRef>[0] & { model: string })[]) => {
    const row = rows.find((r) => r.model === 'Grant');
    return row && grantRef(row);
  };

  return {
    async upsert(e: OidcStoreEntry): Promise<void> {
      const values = {
        model: e.model,
        payload: e.payload,
        grant_id: e.grantId,
        account_id: e.accountId,
        client_id: e.clientId,
        uid_hash: e.uidHash,
        user_code_hash: e.userCodeHash,
        expires_at: e.expiresAt,
        ...(e.ssoSessionId === undefined ? {} : { sso_session_id: e.ssoSessionId }),
      };
      await db
        .insertInto('oidc_store')
        .values({ key: e.key, consumed_at: null, sid: null, sso_session_id: null, ...values })
        .onConflict((oc) => oc.column('key').doUpdateSet(values))
        .execute();
    },

    find: async (key: string, now: Date) => found(await live(now).where('key', '=', key).executeTakeFirst()),

    findByUid: async (model: string, uidHash: string, now: Date) =>
      found(await live(now).where('model', '=', model).where('uid_hash', '=', uidHash).executeTakeFirst()),

    findByUserCode: async (model: string, userCodeHash: string, now: Date) =>
      found(await live(now).where('model', '=', model).where('user_code_hash', '=', userCodeHash).executeTakeFirst()),

    /** Marks a code or token used; answers false when it already was (another request won). */
    async consume(key: string, now: Date): Promise<boolean> {
      const r = await db
        .updateTable('oidc_store')
        .set({ consumed_at: now })
        .where('key', '=', key)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Deletes one object; answers the grant it was, when it was one (whoever deletes it first gets it). */
    async destroy(key: string): Promise<OidcGrantRef | undefined> {
      const rows = await db.deleteFrom('oidc_store').where('key', '=', key).returning(GRANT_COLUMNS).execute();
      return grantOf(rows);
    },

    /** Deletes a grant and everything of it; answers the grant, when this call deleted it. */
    async revokeByGrantId(grantId: string): Promise<OidcGrantRef | undefined> {
      const rows = await db.deleteFrom('oidc_store').where('grant_id', '=', grantId).returning(GRANT_COLUMNS).execute();
      return grantOf(rows);
    },

    /** Names the provider session (`sid`) a grant's code was issued under; the first one stays. */
    async setGrantSid(grantKey: string, sid: string): Promise<void> {
      await db.updateTable('oidc_store').set({ sid }).where('key', '=', grantKey).where('sid', 'is', null).execute();
    },

    /** Forgets the provider session (`sid`) of a client's grant for a user: its client was told it ended. */
    async forgetSid(clientId: string, accountId: string, sid: string): Promise<void> {
      await db
        .updateTable('oidc_store')
        .set({ sid: null })
        .where('client_id', '=', clientId)
        .where('model', '=', 'Grant')
        .where('account_id', '=', accountId)
        .where('sid', '=', sid)
        .execute();
    },

    /**
     * Links grants (by their keys) to the single sign-on session their provider session belongs to now (or to none:
     * null), and names their `sid` where no code did yet.
     */
    async linkGrants(grants: { key: string; sid: string | null; ssoSessionId: string | null }[]): Promise<void> {
      for (const g of grants)
        await db
          .updateTable('oidc_store')
          .set((eb) => ({ sso_session_id: g.ssoSessionId, sid: eb.fn.coalesce('sid', eb.val(g.sid)) }))
          .where('key', '=', g.key)
          .where('model', '=', 'Grant')
          .execute();
    },

    /** The live grants signed in through one single sign-on session's provider sessions. */
    grantsOfSignOn: (ssoSessionId: string, now: Date) => grantsWhere('sso_session_id', ssoSessionId, now),

    /** The live grants of one client (an admin deletes it). */
    grantsOfClient: (clientId: string, now: Date) => grantsWhere('client_id', clientId, now),

    /**
     * Deletes the provider sessions of one single sign-on session, and unlinks what else it linked (grants that
     * expired: the live ones its caller ends), so that nothing names it any more.
     */
    async endSignOn(ssoSessionId: string): Promise<void> {
      await db
        .deleteFrom('oidc_store')
        .where('sso_session_id', '=', ssoSessionId)
        .where('model', '=', 'Session')
        .execute();
      await db
        .updateTable('oidc_store')
        .set({ sso_session_id: null })
        .where('sso_session_id', '=', ssoSessionId)
        .execute();
    },

    /** Deletes the provider sessions of a user, but those of the single sign-on session `except`. */
    async endSessionsOf(accountId: string, except?: string): Promise<void> {
      let q = db.deleteFrom('oidc_store').where('account_id', '=', accountId).where('model', '=', 'Session');
      if (except) q = q.where((eb) => eb.or([eb('sso_session_id', 'is', null), eb('sso_session_id', '!=', except)]));
      await q.execute();
    },

    /** The live grants of a user: their ids (the sessions' ids), clients and provider sessions. */
    grantsOf: (accountId: string, now: Date) => grantsWhere('account_id', accountId, now),

    /** One live grant by its id (its Gatehouse session's id). */
    async grant(grantId: string, now: Date): Promise<OidcGrantRef | undefined> {
      const row = await grants(now).where('grant_id', '=', grantId).executeTakeFirst();
      return row && grantRef(row);
    },

    expired: expiredRows(db, dialect, 'oidc_store', 'key', 'expires_at'),
  };
}
