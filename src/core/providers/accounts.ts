import type { Queries } from '../../db/queries/index.js';
import type { ProviderSettings } from '../../config/federation.js';
import { isUniqueViolation } from '../../db/dialect.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { User, UserService } from '../users/service.js';
import type { Profile } from './presets.js';

export interface AccountDeps {
  queries: Queries;
  users: UserService;
  clock: Clock;
  roles: { defaults: string[]; defaultRole: string };
}

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1);

/**
 * The local user an outside account signs in: the one it is linked to; else the user with the
 * same address, linked now only when the provider verified it; else a new user with the default roles.
 */
export function createProviderAccounts(deps: AccountDeps) {
  const { queries, users, clock } = deps;

  async function link(provider: string, profile: Profile, userId: string) {
    try {
      await queries.userIdentities.insert({ provider, subject: profile.subject, userId, email: profile.email, login: null, createdAt: clock.now() });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err; // a concurrent first sign-in linked it already
    }
  }

  return async function accountFor(p: ProviderSettings, profile: Profile): Promise<User> {
    if (p.allowedDomains && !(profile.email && profile.emailVerified && p.allowedDomains.includes(domainOf(profile.email)))) {
      throw new AppError('domain-not-allowed', 403, 'This provider account’s email domain may not sign in here');
    }
    const linked = await queries.userIdentities.find(p.name, profile.subject);
    if (linked) {
      await queries.userIdentities.touch(p.name, profile.subject, { email: profile.email, login: null }, clock.now());
      const user = await users.get(linked.userId);
      if (user) return user;
    }
    if (!profile.email) throw new AppError('provider-email-missing', 400, 'The provider did not share an email address');
    const existing = await users.findByEmail(profile.email);
    if (existing) {
      // Linking on an address the provider did not verify would hand the account to whoever typed it.
      if (!profile.emailVerified) throw new AppError('provider-email-unverified', 409, 'An account with this email exists, and the provider did not verify the address, so it is not linked');
      await link(p.name, profile, existing.id);
      return existing;
    }
    const user = await users.create({ email: profile.email, username: null, displayName: profile.displayName, avatarUrl: profile.avatarUrl, roles: deps.roles.defaults, defaultRole: deps.roles.defaultRole, active: true });
    if (profile.emailVerified) await queries.users.activate(user.id, clock.now());
    await link(p.name, profile, user.id);
    return (await users.get(user.id))!;
  };
}
