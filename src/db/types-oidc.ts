import type { ColumnType } from 'kysely';

/** The identity provider's tables (migrations 0024, 0028, 0033). */
type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;

export interface OidcClientsTable {
  client_id: string;
  name: string;
  secret_hash: string | null;
  auth_method: string;
  redirect_uris: ColumnType<string[], string, string>;
  post_logout_redirect_uris: ColumnType<string[], string, string>;
  grant_types: ColumnType<string[], string, string>;
  allowed_roles: ColumnType<string[], string, string>;
  trusted: boolean;
  backchannel_logout_uri: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OidcStoreTable {
  key: string;
  model: string;
  payload: string;
  grant_id: string | null;
  account_id: string | null;
  client_id: string | null;
  uid_hash: string | null;
  user_code_hash: string | null;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  /** Grants only: the provider session's `sid` (migration 0028). */
  sid: string | null;
  /** Provider sessions and their grants: the browser's single sign-on session (migration 0033). */
  sso_session_id: string | null;
}
