import type { User } from '../../../core/users/service.js';
import { DEFAULT_BANNER_PATH } from './banner.js';
import { profileImagePath } from './images.js';

/** HumHub's account status: 1 enabled, 0 disabled, 2 waiting for approval (not yet active). */
const statusOf = (user: User) => (user.disabled ? 0 : user.active ? 1 : 2);

/** HumHub's user object, as /api/v1/auth/current answers it: integer ids, the UUID as guid, absolute image URLs. */
export function presentCurrent(user: User, serverUrl: string) {
  const [firstname = '', ...rest] = (user.displayName ?? '').split(' ');
  const username = user.username ?? user.email;
  return {
    id: user.numericId,
    guid: user.id,
    display_name: user.displayName ?? user.email,
    url: `${serverUrl}/u/${encodeURIComponent(username)}/`,
    account: {
      id: user.numericId,
      guid: user.id,
      username,
      email: user.email,
      visibility: 1, // registered users only: Gatehouse has no public profiles
      status: statusOf(user),
      tags: '',
      language: user.locale ?? 'en',
      time_zone: 'UTC',
      contentcontainer_id: user.numericId,
      authclient: 'local',
      authclient_id: null,
      last_login: user.lastLoginAt?.toISOString() ?? null,
    },
    profile: {
      firstname,
      lastname: rest.join(' '),
      title: '',
      gender: '',
      street: '',
      zip: '',
      city: '',
      country: '',
      about: '',
      // Where HumHub serves a profile image; Gatehouse answers there with the user's picture or their initials.
      image_url: `${serverUrl}${profileImagePath(user.id)}`,
      // What HumHub answers for a user without a banner (Gatehouse has none); served by humhubBannerRoute.
      banner_url: `${serverUrl}${DEFAULT_BANNER_PATH}`,
    },
  };
}
