/** The admin API's shapes, as the console reads them (fields that newer servers add are optional). */
export interface AdminUser {
  id: string;
  email: string;
  username?: string | null;
  numeric_id?: number | null;
  display_name: string | null;
  roles: string[];
  default_role: string;
  realm: string;
  active: boolean;
  disabled: boolean;
  banned_until?: string | null;
  mfa_enabled: boolean;
  created_at: string;
  last_login_at: string | null;
  last_seen_at?: string | null;
  sign_in_count?: number;
  /** On one user's page only. */
  metadata?: Record<string, unknown>;
}
export interface TokenInfo {
  id: string;
  name: string | null;
  expires_at: string | null;
  revoked: boolean;
  created_at: string;
}
export interface SessionInfo {
  id: string;
  door: string;
  created_at: string;
  last_seen_at: string | null;
  expires_at: string | null;
  ip: string | null;
  user_agent: string | null;
}
export interface AuditEntry {
  id: string;
  at: string;
  actor: string | null;
  action: string;
  subject: string | null;
  door: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  detail: unknown;
  /** Who the actor and subject ids are, when they are users (the admin API adds them). */
  actor_user?: { email: string; display_name: string | null } | null;
  subject_user?: { email: string; display_name: string | null } | null;
}
export interface FileMeta {
  key: string;
  LastModified: string;
  ContentLength: number;
  ContentType: string;
  ETag: string;
  Metadata: { token?: string };
}
export type Mode = 'all' | 'selected' | 'off';

export const banned = (u: AdminUser) => !!u.banned_until && new Date(u.banned_until) > new Date();
export const stateOf = (u: AdminUser) =>
  u.disabled ? 'disabled' : banned(u) ? 'banned' : !u.active ? 'inactive' : 'active';
export interface SignInSources {
  realm: {
    name: string;
    source: 'local' | 'directory';
    directory: { url: string; configured_in: 'api' | 'file'; default: boolean } | null;
  };
  providers: {
    provider: string;
    kind: 'provider' | 'directory';
    email: string | null;
    linked_at: string;
    last_used_at: string | null;
  }[];
}
export interface StorageUsage {
  bytes: number;
  files: number;
  folders: { folder: string; bytes: number; files: number }[];
}
