import type { Queries } from '../../db/queries/index.js';
import type { ProviderSettings } from '../../config/federation.js';
import { isUniqueViolation } from '../../db/dialect.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import type { User, UserService } from '../users/service.js';
import type { Profile } from './presets.js';

export interface AccountDeps {
  queries: Queries;
  users: UserService;
  clock: Clock;
  audit: Audit;
  roles: { defaults: string[]; defaultRole: string };
  /** PROVIDER_LINK_UNPROVEN: what happens to a local account whose address nobody ever proved. */
  linkUnproven: 'refuse' | 'takeover';
  /** Ends every session of a user in every dialect (the session registry's revokeAll). */
  endSessions: (userId: string) => Promise<void>;
}

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1);

const unproven = () => errors.accountExistsUnproven();

/**
 * The local user an outside account signs in: the one it is linked to; the signed-in user who links it
 * (`linkTo`); else the user with the same address, linked only when both the provider and that account
 * proved it (pre-account takeover); else a new user with the default roles.
 */
export function createProviderAccounts(deps: AccountDeps) {
  const { queries, users, clock } = deps;

  async function link(provider: string, profile: Profile, userId: string) {
    try {
      const row = {
        provider,
        subject: profile.subject,
        userId,
        email: profile.email,
        login: null,
        createdAt: clock.now(),
      };
      await queries.userIdentities.insert(row);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err; // a concurrent first sign-in linked it already
    }
  }

  /**
   * Someone registered this address and never proved it; the provider proves it now. Whatever that someone
   * set up (password, MFA, tokens, sessions, other links) may be an attacker's, so all of it goes first.
   */
  async function takeOver(user: User, provider: string, profile: Profile): Promise<void> {
    const now = clock.now();
    await queries.transaction(async (q) => {
      await q.sessions.revokeAllOfUser(user.id, now);
      await q.refreshTokens.revokeAllOfUser(user.id, now);
      await q.apiTokens.revokeAllKindsOfUser(user.id, now);
      await q.users.clearPassword(user.id, now);
      await q.mfa.remove(user.id);
      for (const i of await q.userIdentities.ofUser(user.id)) await q.userIdentities.remove(user.id, i.provider);
      await q.users.activate(user.id, now);
    });
    // Also drops cached session checks, and ends a session a password login opened while the above ran.
    await deps.endSessions(user.id);
    await deps.audit.record({
      actor: null,
      action: 'account.takeover',
      subject: user.id,
      door: 'hbp-oauth',
      outcome: 'success',
      detail: { provider, reason: 'address proven by the provider, never by the account' },
    });
    await link(provider, profile, user.id);
  }

  return async function accountFor(p: ProviderSettings, profile: Profile, linkTo?: string): Promise<User> {
    const domainOk = profile.email && profile.emailVerified && p.allowedDomains?.includes(domainOf(profile.email));
    if (p.allowedDomains && !domainOk) {
      throw errors.domainNotAllowed();
    }
    const linked = await queries.userIdentities.find(p.name, profile.subject);
    if (linkTo) {
      // A signed-in user links their own outside account: the session proves the account, the provider the other.
      if (linked && linked.userId !== linkTo) {
        throw errors.providerAlreadyLinked();
      }
      if (!linked) await link(p.name, profile, linkTo);
      const user = await users.get(linkTo);
      if (!user) throw errors.invalidToken();
      return user;
    }
    if (linked) {
      await queries.userIdentities.touch(p.name, profile.subject, { email: profile.email, login: null }, clock.now());
      const user = await users.get(linked.userId);
      if (user) return user;
    }
    if (!profile.email) throw errors.providerEmailMissing();
    const existing = await users.findByEmail(profile.email);
    if (existing) {
      // Linking on an address the provider did not verify would hand the account to whoever typed it.
      if (!profile.emailVerified) throw errors.providerEmailUnverified();
      // Nor may an account whose address nobody proved keep what its registrant set up (pre-account takeover).
      if (!existing.emailVerified) {
        if (deps.linkUnproven !== 'takeover') throw unproven();
        await takeOver(existing, p.name, profile);
        return (await users.get(existing.id))!;
      }
      await link(p.name, profile, existing.id);
      return existing;
    }
    const user = await users.create({
      email: profile.email,
      username: null,
      displayName: profile.displayName,
      avatarUrl: profile.avatarUrl,
      roles: deps.roles.defaults,
      defaultRole: deps.roles.defaultRole,
      active: true,
    });
    if (profile.emailVerified) await queries.users.activate(user.id, clock.now());
    await link(p.name, profile, user.id);
    return (await users.get(user.id))!;
  };
}
