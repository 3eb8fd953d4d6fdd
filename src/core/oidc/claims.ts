import type { User } from '../users/service.js';

/** Which claims each scope releases; `hasura` is the Hasura namespace (JWT_CLAIMS_NAMESPACE). */
export const OIDC_CLAIMS = (ns: string) => ({
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'preferred_username', 'picture', 'locale', 'updated_at'],
  roles: ['roles', 'groups'],
  hasura: [ns],
});

/** The roles a client sees: those it is allowed to see, or all of the user's when it names none. */
export function rolesFor(user: Pick<User, 'roles'>, allowed: string[]): string[] {
  return allowed.length === 0 ? user.roles : user.roles.filter((r) => allowed.includes(r));
}

/** Every claim a user can release; oidc-provider keeps those the granted scopes and claims cover. */
export function userClaims(user: User, allowedRoles: string[], ns: string): Record<string, unknown> {
  const roles = rolesFor(user, allowedRoles);
  const defaultRole = roles.includes(user.defaultRole) ? user.defaultRole : (roles[0] ?? user.defaultRole);
  return {
    email: user.email,
    email_verified: user.emailVerified,
    name: user.displayName ?? user.username ?? user.email,
    preferred_username: user.username ?? user.email,
    ...(user.avatarUrl ? { picture: user.avatarUrl } : {}),
    ...(user.locale ? { locale: user.locale } : {}),
    updated_at: Math.floor(user.updatedAt.getTime() / 1000),
    roles,
    groups: roles,
    [ns]: {
      'x-hasura-user-id': user.id,
      'x-hasura-default-role': defaultRole,
      'x-hasura-allowed-roles': roles.length ? roles : [defaultRole],
      'x-hasura-user-is-anonymous': String(user.anonymous === true),
    },
  };
}
