import type { Page } from '../../core/cursor.js';
import type { User } from '../../core/users/service.js';

/** A user as the admin API and `gatehouse users … --format json` show them (snake_case): AdminUser's shape. */
export const adminUser = (u: User) => ({
  id: u.id,
  numeric_id: u.numericId,
  email: u.email,
  username: u.username,
  display_name: u.displayName,
  roles: u.roles,
  default_role: u.defaultRole,
  realm: u.realm,
  active: u.active,
  disabled: u.disabled,
  banned_until: u.bannedUntil?.toISOString() ?? null,
  ban_reason: u.banReason,
  mfa_enabled: u.mfaEnabled,
  created_at: u.createdAt.toISOString(),
  last_login_at: u.lastLoginAt?.toISOString() ?? null,
  last_seen_at: u.lastSeenAt?.toISOString() ?? null,
  sign_in_count: u.signInCount,
});

/** With the metadata: AdminUserDetail's shape. */
export const adminUserDetail = (u: User) => ({ ...adminUser(u), metadata: u.metadata });

/** Page sizes of the admin lists (users, sessions, tokens): the default and the most one page holds. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/** A page of users as the admin API and `gatehouse users list --format json` show it. */
export const adminUserPage = (page: Page<User>) => ({
  users: page.items.map(adminUser),
  next_cursor: page.nextCursor,
});
