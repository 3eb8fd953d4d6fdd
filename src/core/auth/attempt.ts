import type { ClientInfo } from '../sessions/registry.js';
import type { LimitInfo } from '../throttle/rate-limiter.js';
import type { TicketShape } from '../tickets/service.js';
import type { User } from '../users/service.js';

/**
 * How a door carries a second factor:
 * - `ticket`: none in the attempt; an MFA user gets a ticket for a second request (HBP);
 * - `code`: a separate field; without it the door is told one is required (Rocket.Chat);
 * - `append`: the current code appended to the password (privacyIDEA's convention);
 * - `none`: the door cannot carry one, so an MFA user is refused there;
 * - `not-asked`: only the password is checked (a signed-in user's old password in a password change).
 */
export type SecondFactorForm = 'ticket' | 'code' | 'append' | 'none' | 'not-asked';

/** A device that logged in to this account before; it keeps access while the account is throttled. */
export interface TrustedDevice {
  userId: string;
  id: string;
}

export interface LoginAttempt {
  /** The door the request came through (`hbp`, `humhub`, `humhub-basic`, `rocketchat`, `privacyidea`, `datarhei`…). */
  door: string;
  /** A username or an email address. */
  identifier: string;
  password: string;
  secondFactor: SecondFactorForm;
  /** A second factor sent with the attempt (`code` form). */
  code?: string;
  /** Instead of the password, its SHA-256 hex digest (Rocket.Chat's `{digest, algorithm: 'sha-256'}`). */
  digest?: string;
  /** When set, the account must belong to this realm. */
  realm?: string;
  client: ClientInfo;
  device?: TrustedDevice;
  /** HTTP Basic authenticates every request: a success gives its place in the window counters back. */
  refundSuccess?: boolean;
  /** A door's own per-IP window on top of the shared ones; `report` sees each count (for X-RateLimit-* headers). */
  doorLimit?: { max: number; report?: (info: LimitInfo) => void };
  /**
   * A signed-in user proving a secret again (re-authentication, the old password of a change): the
   * account is this user id, whatever `identifier` finds; no last-login stamp.
   */
  account?: string;
  /** The audit action (`login` unless said). */
  action?: string;
  /** Instead of a password, a passkey assertion (the verifier checks it; user verification stands for a 2nd factor). */
  passkey?: PasskeyProof;
  /** The shape of the MFA ticket (`ticket` form) when the door's wire format fixes it. */
  ticketShape?: TicketShape;
}

/** A WebAuthn assertion, read far enough to know whose credential it names. */
export interface PasskeyProof {
  /** The owner of the presented credential; undefined when no such credential is registered. */
  userId: string | undefined;
  /** Checks the assertion against that credential of `user`: undefined when it holds, else the refusal's reason. */
  check(user: User): Promise<string | undefined>;
}

/** The second factors a user can be asked for after their password. */
export type SecondFactorMethod = 'totp' | 'webauthn';

/** A second-factor check outside a login: who, through which door, audited under which action. */
export interface CodeCheck {
  userId: string;
  door: string;
  action: string;
  client: ClientInfo;
  /** Record the outcome under `action` (false when the caller's own service audits it). */
  audit: boolean;
}

export type LoginResult =
  | { kind: 'authenticated'; user: User }
  | { kind: 'second-factor-required'; user: User; ticket?: string; methods: SecondFactorMethod[] };
