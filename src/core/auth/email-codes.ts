import type { Config } from '../../config/load.js';
import type { Mailer } from '../../mail/mailer.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import { sha256 } from '../hash.js';
import { mfaErrors } from '../mfa/service.js';
import { canSignIn, type ClientInfo } from '../sessions/registry.js';
import type { Tickets } from '../tickets/service.js';
import { normalizeEmail } from '../users/email.js';
import type { UserService } from '../users/service.js';
import type { LoginPipeline } from './pipeline.js';
import { pipelineErrors } from './pipeline.js';
import type { AuthService, Session } from './service.js';

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
  return {
    /** Mails a code to an account that may sign in; nothing for other addresses (the caller answers the same). */
    async send(email: string): Promise<void> {
      const user = await users.findByEmail(email);
      if (!user || !canSignIn(user, clock.now()) || user.anonymous) return;
      const code = await tickets.issueCode('email-code', user);
      const minutes = deps.config.lifecycle.ticketMinutes['email-code'];
      const vars = { email: user.email, display_name: user.displayName ?? user.email, ticket: code };
      deps.mailer.queue('email-code', user.email, user.locale, { ...vars, expires_minutes: minutes });
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
      await deps.pipeline.checkCode(check, async () => {
        if (!user) throw mfaErrors.invalidCode();
        await tickets.useCode('email-code', user.id, code, EMAIL_CODE_ATTEMPTS).catch(() => {
          throw mfaErrors.invalidCode();
        });
      });
      if (!user || !canSignIn(user, clock.now())) throw errors.invalidCredentials();
      if ((await deps.auth.secondFactorsOf(user)).length) throw pipelineErrors.secondFactorRequired();
      await users.activate(user.id); // the code proves the address
      await users.touchLogin(user.id);
      return deps.auth.startSession((await users.get(user.id)) ?? user, client, door);
    },
  };
}

export type EmailCodes = ReturnType<typeof createEmailCodes>;
