import type { Queries } from '../../db/queries/index.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import type { Actor } from '../sessions/actor.js';
import type { SessionRegistry } from '../sessions/registry.js';
import { isEmailAddress, normalizeEmail } from '../users/email.js';
import type { User, UserService } from '../users/service.js';
import type { createAccounts } from './service.js';

export interface AdminActionDeps {
  queries: Queries;
  users: UserService;
  accounts: ReturnType<typeof createAccounts>;
  sessions: SessionRegistry;
  clock: Clock;
  /** Mails a new activation link to an inactive user (the lifecycle's own). */
  resendActivation: (email: string) => Promise<void>;
}

/** What an admin may change of a user's profile in one call; absent fields stay as they are. */
export interface UserEdit {
  email?: string;
  displayName?: string;
  username?: string;
  metadata?: Record<string, unknown>;
}

/** The most a user's metadata may hold, as JSON text. */
export const METADATA_MAX_BYTES = 16_384;

/** The top-level keys added, removed or changed between two metadata objects, sorted; refuses one too large. */
function metadataChanges(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const size = Buffer.byteLength(JSON.stringify(after));
  if (size > METADATA_MAX_BYTES)
    throw errors.validation(`The metadata is ${size} bytes as JSON; it may hold at most ${METADATA_MAX_BYTES}`);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/**
 * What an operator fixes by hand (the CLI, the admin API, the console): activate a pending account, mail its
 * activation link again, reset a lost second factor, edit a profile. Each leaves an audit entry.
 */
export function createAdminActions(deps: AdminActionDeps) {
  const { queries, users, accounts, sessions, clock } = deps;
  const { record } = accounts;

  return {
    /** Marks a pending account active (its address as proven by the admin); false when it was active already. */
    async activate(userId: string, actor: Actor): Promise<boolean> {
      const user = await accounts.target(userId);
      if (user.active) return false;
      await users.activate(userId);
      sessions.forget(userId);
      await record(actor, 'user.activate', userId);
      return true;
    },

    /**
     * Sign-ins and failed sign-ins over the last 30 days (the audit log), the last sign-in, and when the user
     * was last seen: a sign-in, a refresh or an authenticated request of any door (at most a minute old).
     */
    async activity(userId: string) {
      const user = await accounts.target(userId);
      const since = new Date(clock.now().getTime() - 30 * 86_400_000);
      const counts = await queries.auditLog.countByOutcome(userId, 'login', since);
      return {
        signIns30d: counts.success ?? 0,
        failedSignIns30d: counts.failure ?? 0,
        lastSignInAt: user.lastLoginAt,
        lastSeenAt: user.lastSeenAt,
      };
    },

    /** Mails the activation link again; refused for an account that is active or disabled. */
    async resendActivation(userId: string, actor: Actor): Promise<void> {
      const user = await accounts.target(userId);
      if (user.active) throw errors.alreadyActive();
      if (user.disabled) throw errors.userDisabled('The account is disabled: enable it before mailing its activation');
      await deps.resendActivation(user.email);
      await record(actor, 'user.activation.resend', userId);
    },

    /** Removes the second factor (the lost-phone case): the user signs in with the password, then sets it up again. */
    async resetMfa(userId: string, actor: Actor): Promise<boolean> {
      const user = await accounts.target(userId);
      if (!user.mfaEnabled && !(await queries.mfa.get(userId))) return false;
      await queries.mfa.remove(userId);
      sessions.forget(userId);
      await record(actor, 'mfa.reset', userId);
      return true;
    },

    /** Changes the given fields. A new email counts as proven and ends the user's sessions. */
    async edit(userId: string, edit: UserEdit, actor: Actor): Promise<User> {
      const user = await accounts.target(userId);
      const changed: string[] = [];
      if (edit.email !== undefined && normalizeEmail(edit.email) !== user.email) {
        if (!isEmailAddress(normalizeEmail(edit.email))) throw errors.validation(`Not an email address: ${edit.email}`);
        await users.setEmail(userId, edit.email, true);
        await sessions.revokeAll(userId, { actor, reason: 'email-changed' });
        changed.push('email');
      }
      if (edit.username !== undefined && edit.username !== user.username) {
        await accounts.setUsername(userId, edit.username, actor);
        changed.push('username');
      }
      if (edit.displayName !== undefined && edit.displayName !== user.displayName) {
        await users.setDisplayName(userId, edit.displayName);
        changed.push('display_name');
      }
      const keys = edit.metadata === undefined ? [] : metadataChanges(user.metadata, edit.metadata);
      if (keys.length) {
        await queries.users.setMetadata(userId, edit.metadata!, clock.now());
        changed.push('metadata');
      }
      sessions.forget(userId);
      // The names of the metadata's changed keys, not their values: metadata may hold what a log should not.
      const detail = keys.length ? { fields: changed, metadata_keys: keys } : { fields: changed };
      if (changed.length) await record(actor, 'user.edit', userId, detail);
      return accounts.target(userId);
    },
  };
}

export type AdminActions = ReturnType<typeof createAdminActions>;
