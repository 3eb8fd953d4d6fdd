import type { User } from '../core/users/service.js';
import type { Services } from '../services.js';

/** A user named by email, username or id. */
export async function findUser(s: Services, who: string): Promise<User> {
  const user = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(who)
    ? await s.users.get(who)
    : who.includes('@')
      ? await s.users.require(who)
      : await s.users.findByLogin(who);
  if (!user) throw new Error(`No user ${who}`);
  return user;
}
