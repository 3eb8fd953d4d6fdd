import type { Config } from '../../config/load.js';
import type { Queries } from '../../db/queries/index.js';
import type { Mailer } from '../../mail/mailer.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import { canSignIn as canSignInAt, type ClientInfo, type SessionRegistry } from '../sessions/registry.js';
import type { Audit } from '../audit/service.js';
import { invalidTicket, type Tickets } from '../tickets/service.js';
import { withParams } from '../urls.js';
import { normalizeEmail } from '../users/email.js';
import type { NewUserInput, User, UserService } from '../users/service.js';
import type { AuthService, SignInResult } from './service.js';

export type MagicAction = 'log-in' | 'register';

/** The mailed links that carry a ticket. */
export type LinkKind = 'activate' | 'magic-link' | 'reset-password' | 'change-email';
/**
 * Builds the URL a mail links to, for a ticket of a kind. The native routes' by default; a dialect whose
 * clients expect their own link (hasura-auth's `/verify?ticket=…&type=…&redirectTo=…`) passes its own.
 */
export type MailLinks = (kind: LinkKind, ticket: string, action?: MagicAction) => string;

/** How long the old address may undo an email change: a week, long enough to notice it. */
export const EMAIL_CHANGE_UNDO_MINUTES = 7 * 24 * 60;

export interface LifecycleDeps {
  config: Config;
  queries: Queries;
  users: UserService;
  auth: AuthService;
  tickets: Tickets;
  sessions: SessionRegistry;
  audit: Audit;
  mailer: Mailer;
  clock: Clock;
}

/**
 * Everything that goes through the user's mailbox: activation, magic links, password
 * reset, email change; and self-deletion. Answers never depend on whether an address
 * has an account: mails for unknown addresses are simply not sent.
 */
export function createLifecycle(deps: LifecycleDeps) {
  const { config, queries, users, tickets, mailer, clock } = deps;
  const { lifecycle } = config;
  const api = `${config.server.url}/auth`;
  const canSignIn = (user: User) => canSignInAt(user, clock.now());
  const SYSTEM = { kind: 'system' as const, id: null };
  const vars = (user: User, extra: Record<string, unknown> = {}) => ({
    email: user.email,
    display_name: user.displayName ?? user.email,
    ...extra,
  });

  const nativeLinks: MailLinks = (kind, ticket, action) => {
    if (kind === 'activate') return withParams(`${api}/activate`, { ticket });
    if (kind === 'magic-link') return withParams(`${api}/magic-link`, { token: ticket, action: action ?? 'log-in' });
    return withParams(lifecycle.redirectSuccess, { action: kind, ticket });
  };

  async function sendActivation(user: User, links = nativeLinks): Promise<void> {
    const ticket = await tickets.issue('activation', user);
    mailer.queue(
      'activate',
      user.email,
      user.locale,
      vars(user, {
        link: links('activate', ticket),
        expires_minutes: lifecycle.ticketMinutes.activation,
      }),
    );
  }

  async function sendMagicLink(user: User, action: MagicAction, links = nativeLinks): Promise<void> {
    const token = await tickets.issue('magic-link', user, { action });
    mailer.queue(
      'magic-link',
      user.email,
      user.locale,
      vars(user, {
        link: links('magic-link', token, action),
        expires_minutes: lifecycle.ticketMinutes['magic-link'],
      }),
    );
  }

  /** A session, unless the account has a second factor (TOTP, a passkey): the link only proves the first. */
  async function signIn(user: User, client: ClientInfo): Promise<SignInResult> {
    const methods = await deps.auth.secondFactorsOf(user);
    if (methods.length) return { kind: 'mfa', mfaTicket: await tickets.issue('mfa', user), methods };
    return { kind: 'session', session: await deps.auth.startSession(user, client) };
  }

  /** Tells the old address (always), with a link that undoes the change; `user` is the account before it. */
  async function notifyEmailChange(user: User, newEmail: string) {
    const data = { old_email: user.email, old_verified: user.emailVerified, new_email: newEmail };
    const ticket = await tickets.issue('email-change-undo', user, data);
    const link = withParams(lifecycle.redirectSuccess, { action: 'undo-email-change', ticket });
    const expires = EMAIL_CHANGE_UNDO_MINUTES;
    const mailVars = vars(user, { link, ticket, new_email: newEmail, expires_minutes: expires });
    mailer.queue('email-change-undo', user.email, user.locale, mailVars);
  }

  return {
    sendActivation,

    /** Registration that waits for activation mails the link at once. */
    async afterRegister(user: User, links = nativeLinks): Promise<void> {
      if (!user.active) await sendActivation(user, links);
    },

    async activate(ticket: string, client: ClientInfo): Promise<SignInResult> {
      const { userId } = await tickets.consume('activation', ticket);
      await users.activate(userId);
      const user = await users.get(userId);
      if (!user || !canSignIn(user)) throw errors.invalidCredentials('The account cannot sign in');
      return signIn(user, client);
    },

    /** The activation link again for an address not yet proven, active account or not (hasura-auth's verification). */
    async sendVerification(email: string, links = nativeLinks): Promise<void> {
      const user = await users.findByEmail(email);
      if (user && !user.emailVerified && !user.disabled) await sendActivation(user, links);
    },

    async resendActivation(email: string, links = nativeLinks): Promise<void> {
      const user = await users.findByEmail(email);
      if (user && !user.active && !user.disabled) await sendActivation(user, links);
    },

    /** Registration without a password: the account is activated by its first magic link. */
    async registerWithMagicLink(input: Omit<NewUserInput, 'password' | 'active'>, links = nativeLinks): Promise<void> {
      const user = await users.create({ ...input, active: false });
      await sendMagicLink(user, 'register', links);
    },

    /** A magic link; an address with no account gets one, activated by its first link (hasura-auth's passwordless). */
    async magicLinkOrRegister(input: Omit<NewUserInput, 'password' | 'active'>, links = nativeLinks): Promise<void> {
      const user = await users.findByEmail(input.email);
      if (user) {
        if (canSignIn(user)) await sendMagicLink(user, 'log-in', links);
        return;
      }
      await sendMagicLink(await users.create({ ...input, active: false }), 'register', links);
    },

    /** The first link of an account without a password (a deanonymized one): using it proves the address. */
    async sendFirstMagicLink(user: User, links = nativeLinks): Promise<void> {
      await sendMagicLink(user, 'register', links);
    },

    async requestMagicLink(email: string, links = nativeLinks): Promise<void> {
      const user = await users.findByEmail(email);
      if (user && canSignIn(user)) await sendMagicLink(user, 'log-in', links);
    },

    async useMagicLink(token: string, action: MagicAction, client: ClientInfo): Promise<SignInResult> {
      const { userId, data } = await tickets.consume('magic-link', token);
      if (data.action !== action) throw errors.validation('The action does not match the link');
      if (action === 'register') await users.activate(userId);
      const user = await users.get(userId);
      if (!user || !canSignIn(user)) throw errors.invalidCredentials('The account cannot sign in');
      return signIn(user, client);
    },

    async requestPasswordReset(email: string, links = nativeLinks): Promise<void> {
      const user = await users.findByEmail(email);
      // A directory user's password is reset at the directory: no mail, and the same 204.
      if (!user || !canSignIn(user) || (await users.passwordRealm(user.id))) return;
      const ticket = await tickets.issue('password-reset', user);
      const link = links('reset-password', ticket);
      mailer.queue(
        'reset-password',
        user.email,
        user.locale,
        vars(user, { link, ticket, expires_minutes: lifecycle.ticketMinutes['password-reset'] }),
      );
    },

    /** Sets the new password and ends every session; the next login still asks for the second factor. */
    async resetPassword(ticket: string, newPassword: string): Promise<void> {
      users.checkPassword(newPassword); // a weak password must not burn the ticket
      const { userId } = await tickets.consume('password-reset', ticket);
      await users.setPassword(userId, newPassword); // 409 for a directory user (linked after the mail went out)
      await deps.sessions.revokeAll(userId, { actor: SYSTEM, reason: 'password-reset' });
      await deps.audit.record({ actor: userId, action: 'password.reset', subject: userId, outcome: 'success' });
    },

    /** The signed-in user's direct change: every other session ends, the caller's (`keepSession`) stays. */
    async changeEmail(userId: string, newEmail: string, keepSession?: string): Promise<void> {
      const user = await users.get(userId);
      if (!user) throw errors.unauthenticated();
      await users.setEmail(userId, newEmail, false);
      await deps.sessions.revokeAll(userId, {
        actor: { kind: 'user', id: userId },
        reason: 'email-changed',
        except: keepSession,
      });
      await deps.audit.record({ actor: userId, action: 'email.change', subject: userId, outcome: 'success' });
      await notifyEmailChange(user, normalizeEmail(newEmail));
    },

    async requestEmailChange(userId: string, newEmail: string, links = nativeLinks): Promise<void> {
      const user = await users.get(userId);
      if (!user) throw errors.unauthenticated();
      const email = normalizeEmail(newEmail);
      if (await users.findByEmail(email)) throw errors.emailInUse();
      const ticket = await tickets.issue('email-change', user, { new_email: email });
      const link = links('change-email', ticket);
      // The caller waits for this one: telling them it was sent must be true.
      await mailer
        .send(
          'change-email',
          email,
          user.locale,
          vars(user, { link, ticket, new_email: email, expires_minutes: lifecycle.ticketMinutes['email-change'] }),
        )
        .catch((err: unknown) => {
          throw errors.mailUnavailable(undefined, { cause: err });
        });
    },

    async confirmEmailChange(ticket: string): Promise<void> {
      const { userId, data } = await tickets.consume('email-change', ticket);
      const user = await users.get(userId);
      if (!user || typeof data.new_email !== 'string') throw errors.unauthenticated();
      await users.setEmail(userId, data.new_email, true);
      await deps.sessions.revokeAll(userId, { actor: SYSTEM, reason: 'email-changed' });
      await deps.audit.record({ actor: userId, action: 'email.change', subject: userId, outcome: 'success' });
      await notifyEmailChange(user, data.new_email);
    },

    /** The old address's link: puts it back, ends every session of the user, and is audited. */
    async undoEmailChange(ticket: string, client: ClientInfo): Promise<void> {
      const { userId, data } = await tickets.consume('email-change-undo', ticket);
      if (typeof data.old_email !== 'string') throw invalidTicket();
      await users.setEmail(userId, data.old_email, data.old_verified === true); // 409 if taken meanwhile
      const actor = { kind: 'user' as const, id: userId, ...client };
      await deps.sessions.revokeAll(userId, { actor, reason: 'email-change-undone' });
      const detail = { from: data.new_email ?? null, to: data.old_email };
      const { ip, userAgent } = client;
      const action = 'email.change-undo';
      await deps.audit.record({ actor: userId, action, subject: userId, outcome: 'success', ip, userAgent, detail });
    },

    async deleteSelf(userId: string): Promise<void> {
      await queries.users.remove(userId);
      deps.sessions.forget(userId);
      await deps.audit.record({ actor: userId, action: 'user.delete', subject: userId, outcome: 'success' });
    },
  };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;
