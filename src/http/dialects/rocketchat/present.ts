import type { User } from '../../../core/users/service.js';

/** Rocket.Chat's user object (`me`). */
export function me(user: User, serverUrl: string) {
  const username = user.username ?? user.email;
  return {
    _id: user.id,
    username,
    name: user.displayName ?? username,
    emails: [{ address: user.email, verified: user.emailVerified }],
    email: user.email,
    status: 'online',
    active: user.active && !user.disabled,
    roles: user.roles,
    settings: { preferences: {} },
    services: { totp: { enabled: user.mfaEnabled } },
    avatarUrl: user.avatarUrl ?? `${serverUrl}/avatar/${encodeURIComponent(username)}`,
    utcOffset: 0,
  };
}
