import type { User } from '../../../core/users/service.js';

/** Rocket.Chat's user object (`me`); `id` is the user's Rocket.Chat `_id` when they were imported with one. */
export function me(user: User, serverUrl: string, id = user.id) {
  const username = user.username ?? user.email;
  return {
    _id: id,
    username,
    name: user.displayName ?? username,
    emails: [{ address: user.email, verified: user.emailVerified }],
    // As Rocket.Chat's getUserInfo: the first verified address, and none when no address is verified.
    ...(user.emailVerified ? { email: user.email } : {}),
    status: 'online',
    active: user.active && !user.disabled,
    roles: user.roles,
    settings: { profile: {}, preferences: {} },
    // As Rocket.Chat's getUserInfo: whether a password exists (never the hash), and totp only when it is on.
    services: {
      password: { exists: user.passwordHash !== null },
      ...(user.mfaEnabled ? { totp: { enabled: true } } : {}),
    },
    isOAuthUser: false,
    // Always Rocket.Chat's own avatar route, which redirects to the user's picture when they set one.
    avatarUrl: `${serverUrl}/avatar/${encodeURIComponent(username)}`,
    utcOffset: 0,
  };
}
