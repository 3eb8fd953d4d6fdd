import type { Kysely } from 'kysely';
import { toDate, toJson } from '../dialect.js';
import type { Database } from '../types.js';

/** A relying party of the OpenID Connect provider, as stored (the secret only as its hash). */
export interface OidcClientRow {
  clientId: string;
  name: string;
  secretHash: string | null;
  /** `none` (a public client, PKCE required), `client_secret_basic` or `client_secret_post`. */
  authMethod: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  allowedRoles: string[];
  trusted: boolean;
  backchannelLogoutUri: string | null;
  createdAt: Date;
  updatedAt: Date;
}

type Raw = Database['oidc_clients'] extends infer T ? { [K in keyof T]: unknown } : never;

const toRow = (r: Raw): OidcClientRow => ({
  clientId: String(r.client_id),
  name: String(r.name),
  secretHash: (r.secret_hash as string | null) ?? null,
  authMethod: String(r.auth_method),
  redirectUris: toJson<string[]>(r.redirect_uris),
  postLogoutRedirectUris: toJson<string[]>(r.post_logout_redirect_uris),
  grantTypes: toJson<string[]>(r.grant_types),
  allowedRoles: toJson<string[]>(r.allowed_roles),
  trusted: Boolean(r.trusted),
  backchannelLogoutUri: (r.backchannel_logout_uri as string | null) ?? null,
  createdAt: toDate(r.created_at),
  updatedAt: toDate(r.updated_at),
});

const columns = (c: OidcClientRow) => ({
  name: c.name,
  secret_hash: c.secretHash,
  auth_method: c.authMethod,
  redirect_uris: JSON.stringify(c.redirectUris),
  post_logout_redirect_uris: JSON.stringify(c.postLogoutRedirectUris),
  grant_types: JSON.stringify(c.grantTypes),
  allowed_roles: JSON.stringify(c.allowedRoles),
  trusted: c.trusted,
  backchannel_logout_uri: c.backchannelLogoutUri,
  updated_at: c.updatedAt,
});

export function createOidcClientQueries(db: Kysely<Database>) {
  return {
    async find(clientId: string): Promise<OidcClientRow | undefined> {
      const row = await db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row && toRow(row as Raw);
    },

    /** Every client, by id (a handful per installation). */
    async list(): Promise<OidcClientRow[]> {
      const rows = await db.selectFrom('oidc_clients').selectAll().orderBy('client_id').execute();
      return rows.map((r) => toRow(r as Raw));
    },

    async insert(c: OidcClientRow): Promise<void> {
      await db
        .insertInto('oidc_clients')
        .values({ client_id: c.clientId, created_at: c.createdAt, ...columns(c) })
        .execute();
    },

    /** Writes every setting of the client; answers whether it exists. */
    async update(c: OidcClientRow): Promise<boolean> {
      const r = await db
        .updateTable('oidc_clients')
        .set(columns(c))
        .where('client_id', '=', c.clientId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async delete(clientId: string): Promise<boolean> {
      const r = await db.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
