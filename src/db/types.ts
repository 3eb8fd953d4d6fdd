import type { ColumnType, Generated } from 'kysely';
import type { OidcClientsTable, OidcStoreTable } from './types-oidc.js';
import type { SetupLinksTable } from './types-setup.js';

/**
 * Column types as the application sees them. Timestamps are Date and booleans are
 * boolean on both dialects: the SQLite plugin in dialect.ts converts parameters,
 * and row mappers in queries/ convert results.
 */
type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;

export interface UsersTable {
  id: string;
  email: string;
  display_name: string | null;
  avatar_url: string | null;
  locale: string | null;
  default_role: string;
  active: boolean;
  disabled: boolean;
  email_verified: boolean;
  password_hash: string | null;
  metadata: ColumnType<Record<string, unknown>, string, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_login_at: NullableTimestamp;
  realm: ColumnType<string, string | undefined, string>;
  numeric_id: ColumnType<number, number | undefined, never>;
  username: string | null;
  banned_until: NullableTimestamp;
  ban_reason: string | null;
  password_digest_hash: ColumnType<string | null, string | null | undefined, string | null>;
  anonymous: ColumnType<boolean, boolean | undefined, boolean>;
  /** The last sign-in, refresh or authenticated request of any door (migration 0029). */
  last_seen_at: NullableTimestamp;
  sign_in_count: ColumnType<number, number | undefined, number>;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
}

export interface RefreshTokensTable {
  hash: string;
  family_id: string;
  user_id: string;
  replaced_by: string | null;
  rotated_at: NullableTimestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
  user_agent: string | null;
  ip: string | null;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  key: string;
  at: Timestamp;
}

export interface TicketsTable {
  hash: string;
  purpose: string;
  user_id: string;
  email: string;
  data: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  attempts: ColumnType<number, number | undefined, number>;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface MfaTable {
  user_id: string;
  secret: string;
  enabled_at: NullableTimestamp;
  last_used_step: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: Timestamp;
}

export interface MfaRecoveryCodesTable {
  hash: string;
  user_id: string;
  used_at: NullableTimestamp;
}

export interface FilesTable {
  key: string;
  object_key: string;
  size: ColumnType<number, number, number>;
  content_type: string;
  etag: string;
  owner_id: string | null;
  token_hash: string;
  /** The read token sealed with the storage key (migration 0011); null for older files until rotated. */
  token_sealed: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiTokensTable {
  hash: string;
  id: string;
  user_id: string;
  kind: string;
  name: string | null;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
  session_id: string | null;
  issuer_id: string | null;
}

export interface StorageReservationsTable {
  id: string;
  user_id: string;
  bytes: ColumnType<number, number, number>;
  expires_at: Timestamp;
}

export interface RealmsTable {
  name: string;
  created_at: Timestamp;
}

export interface AuthMethodUsersTable {
  method: string;
  user_id: string;
}

export interface AuthMethodModesTable {
  method: string;
  mode: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  door: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  ip: string | null;
  user_agent: string | null;
  /** When the holder last proved a secret (sign-in or re-authentication); null: never. */
  proven_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  actor: string | null;
  action: string;
  subject: string | null;
  door: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  detail: ColumnType<Record<string, unknown> | null, string | null, string | null>;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  material: string;
  created_at: Timestamp;
  retired_at: NullableTimestamp;
}

/** Old systems' signing keys, verify-only (migration 0030): a door's key, sealed, until its last token expires. */
export type ImportedSigningKeysTable = Omit<SigningKeysTable, 'retired_at'> & { door: string; verify_until: Timestamp };

export interface DirectoriesTable {
  realm: string;
  settings: ColumnType<Record<string, unknown>, string, string>;
  bind_password: string | null;
  is_default: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UserIdentitiesTable {
  provider: string;
  subject: string;
  user_id: string;
  email: string | null;
  login: string | null;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  missing_since: NullableTimestamp;
}

export interface WebauthnCredentialsTable {
  id: string;
  credential_id: string;
  user_id: string;
  public_key: string;
  counter: ColumnType<number, number | undefined, number>;
  transports: string | null;
  device_type: ColumnType<string, string | undefined, string>;
  backed_up: ColumnType<boolean, boolean | undefined, boolean>;
  nickname: string | null;
  aaguid: string | null;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
}

export interface WebauthnChallengesTable {
  hash: string;
  purpose: string;
  user_id: string | null;
  session_id: string | null;
  user_verification: boolean;
  data: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  expires_at: Timestamp;
  created_at: Timestamp;
}

export interface AppPasswordsTable {
  id: string;
  hash: string;
  user_id: string;
  door: string;
  name: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface Database {
  webauthn_credentials: WebauthnCredentialsTable;
  webauthn_challenges: WebauthnChallengesTable;
  app_passwords: AppPasswordsTable;
  oidc_clients: OidcClientsTable;
  oidc_store: OidcStoreTable;
  signing_keys: SigningKeysTable;
  imported_signing_keys: ImportedSigningKeysTable;
  directories: DirectoriesTable;
  user_identities: UserIdentitiesTable;
  sessions: SessionsTable;
  setup_links: SetupLinksTable;
  audit_log: AuditLogTable;
  auth_method_modes: AuthMethodModesTable;
  auth_method_users: AuthMethodUsersTable;
  realms: RealmsTable;
  api_tokens: ApiTokensTable;
  files: FilesTable;
  storage_reservations: StorageReservationsTable;
  tickets: TicketsTable;
  mfa: MfaTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  refresh_tokens: RefreshTokensTable;
  login_failures: LoginFailuresTable;
}
