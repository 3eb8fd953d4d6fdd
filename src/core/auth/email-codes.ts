import type { Config } from '../../config/load.js';
import type { Mailer } from '../../mail/mailer.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import { sha256 } from '../hash.js';
import { mfaErrors } from '../mfa/service.js';
import { canSignIn, type ClientInfo } from '../sessions/registry.js';
import type { Tickets } from '../tickets/service.js';
import { normalizeEmail } from '../users/email.js';
import type { NewUserInput, User, UserService } from '../users/service.js';
import type { LoginPipeline } from './pipeline.js';
import { pipelineErrors } from './pipeline.js';
import type { AuthService, Session } from './service.js';

/** `log-in`: a code for an account that may sign in; `register`: one that also proves a waiting account's address. */
type CodeAction = 'log-in' | 'register';
/** The profile of the account an unknown address gets (roles and defaults resolved by the caller). */
export type CodeSignUp = Omit<NewUserInput, 'email' | 'password' | 'active'>;

/** Wrong codes a mailed code survives; the user's MFA failure counter and the login windows bound them too. */
export const EMAIL_CODE_ATTEMPTS = 5;

export interface EmailCodeDeps {
  config: Config;
  users: UserService;
  tickets: Tickets;
  pipeline: Pick<LoginPipeline, 'checkCode'>;
  auth: Pick<AuthService, 'startSession' | 'secondFactorsOf'>;
  mailer: Mailer;
  clock: Clock;
}

/**
 * Sign-in with a one-time code mailed to the address (hasura-auth's `/signin/otp/email`): 6 digits, hashed with
 * their user, single use, expiring (TICKET_EXPIRES_EMAIL_CODE), void after EMAIL_CODE_ATTEMPTS misses, and every
 * try goes through the login pipeline's IP and account windows and the user's failure counter.
 */
export function createEmailCodes(deps: EmailCodeDeps) {
  const { users, tickets, clock } = deps;

  async function mailCode(user: User, action: CodeAction): Promise<void> {
    const code = await tickets.issueCode('email-code', user, { action });
    const minutes = deps.config.lifecycle.ticketMinutes['email-code'];
    const vars = { email: user.email, display_name: user.displayName ?? user.email, ticket: code };
    deps.mailer.queue('email-code', user.email, user.locale, { ...vars, expires_minutes: minutes });
  }

  return {
    /**
     * Mails a code to an account that may sign in, or to one still waiting for its address to be proven (the
     * code proves it, as an activation link does). An address with no account gets one when `signUp` is given
     * (hasura-auth's sign-up by email code), waiting for its first code; otherwise, and for accounts that may
     * not sign in, nothing is sent (the caller answers the same).
     */
    async send(email: string, signUp?: CodeSignUp): Promise<void> {
      const user = await users.findByEmail(email);
      if (!user) {
        if (!signUp) return;
        const created = await users.create({ ...signUp, email, active: false }).catch((err: unknown) => {
          if (errors.emailInUse.is(err)) return undefined; // a concurrent request made it: that one mails
          throw err;
        });
        if (created) await mailCode(created, 'register');
        return;
      }
      const banned = user.bannedUntil !== null && user.bannedUntil > clock.now();
      if (user.disabled || banned || user.anonymous) return;
      await mailCode(user, user.active ? 'log-in' : 'register');
    },

    /**
     * A session for the code's user. An account with a second factor (TOTP, a passkey) is refused: a mailed code
     * is one factor, and this door (hasura-auth's email OTP) has no second step after it.
     */
    async signIn(email: string, code: string, client: ClientInfo, door: string): Promise<Session> {
      const user = await users.findByEmail(email);
      // An unknown address is counted under its hash, as the login pipeline counts unknown names.
      const key = user?.id ?? sha256(normalizeEmail(email));
      const check = { userId: key, door, action: 'login.email-code', client, audit: true };
      let action: unknown;
      await deps.pipeline.checkCode(check, async () => {
        if (!user) throw mfaErrors.invalidCode();
        const ticket = await tickets.useCode('email-code', user.id, code, EMAIL_CODE_ATTEMPTS).catch(() => {
          throw mfaErrors.invalidCode();
        });
        action = ticket.data.action;
      });
      if (!user) throw errors.invalidCredentials();
      // The code proves the address, second factor or not; only a code mailed while the account waited for its
      // address (at registration) also activates it. One write, and only when it changes something.
      const proves = !user.disabled && (user.active ? !user.emailVerified : action === 'register');
      if (proves) await users.activate(user.id);
      const current = proves ? await users.get(user.id) : user;
      if (!current || !canSignIn(current, clock.now())) throw errors.invalidCredentials();
      if ((await deps.auth.secondFactorsOf(current)).length) throw pipelineErrors.secondFactorRequired();
      await users.touchLogin(current.id);
      return deps.auth.startSession((await users.get(current.id)) ?? current, client, door);
    },
  };
}

export type EmailCodes = ReturnType<typeof createEmailCodes>;
