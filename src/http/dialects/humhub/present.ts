import type { User } from '../../../core/users/service.js';

/** HumHub's user object, as /api/v1/auth/current answers it. */
export function presentCurrent(user: User, serverUrl: string) {
  const [firstname = '', ...rest] = (user.displayName ?? '').split(' ');
  return {
    id: user.id,
    guid: user.id,
    display_name: user.displayName ?? user.email,
    url: `${serverUrl}/u/${user.id}`,
    account: {
      id: user.id,
      guid: user.id,
      username: user.username ?? user.email,
      email: user.email,
      visibility: 1,
      status: 1,
      tags: '',
      language: user.locale ?? '',
      time_zone: '',
      contentcontainer_id: user.id,
      authclient: 'local',
      authclient_id: null,
      last_login: user.lastLoginAt?.toISOString() ?? null,
    },
    profile: { firstname, lastname: rest.join(' '), title: '', gender: '', street: '', zip: '', city: '', country: '', about: '' },
  };
}
