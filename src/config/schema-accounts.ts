import { checkUrl } from './checks.js';
import { bool, int, oneOf, optionalStr, roleList, str, type Field } from './fields.js';

/** Users, passwords, cookies, abuse limits, email and the account lifecycle. */
export const ACCOUNT_FIELDS = {
  // Users
  AUTO_ACTIVATE_NEW_USERS: bool({
    doc: 'New accounts are active at once; otherwise they wait for activation.',
    default: true,
  }),
  DEFAULT_USER_ROLE: str({
    doc: 'Role given to new users.',
    default: 'user',
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    hint: 'letters, digits, _ and - only',
  }),
  DEFAULT_ALLOWED_USER_ROLES: roleList({ doc: 'Roles new users get (default: DEFAULT_USER_ROLE).' }),
  ALLOWED_USER_ROLES: roleList({ doc: 'Roles a registration may ask for (default: DEFAULT_ALLOWED_USER_ROLES).' }),
  REGISTRATION_CUSTOM_FIELDS: roleList({
    doc: 'Extra `user_data` keys accepted at registration and kept in the user metadata.',
    default: [],
  }),

  // Passwords
  MIN_PASSWORD_LENGTH: int({ doc: 'Shortest accepted password, in characters.', default: 8, min: 1, max: 256 }),
  MAX_PASSWORD_LENGTH: int({
    doc: 'Longest accepted password, in characters (never truncated).',
    default: 256,
    min: 8,
    max: 1024,
  }),
  ARGON2_MEMORY_KIB: int({ doc: 'argon2id memory cost (KiB).', default: 19456, min: 1024, max: 1048576 }),
  ARGON2_ITERATIONS: int({ doc: 'argon2id time cost.', default: 2, min: 1, max: 20 }),
  ARGON2_PARALLELISM: int({ doc: 'argon2id parallelism.', default: 1, min: 1, max: 16 }),

  // Cookies
  COOKIE_SECURE: bool({ doc: 'Send cookies only over HTTPS (default: true when SERVER_URL is https).' }),
  COOKIE_SAME_SITE: oneOf(['lax', 'strict', 'none'], {
    doc: 'SameSite attribute of the refresh-token cookie.',
    default: 'lax',
  }),
  COOKIE_SECRET: optionalStr({
    doc: 'Secret signing cookies (at least 32 characters). Generated into DATA_DIR when unset.',
    secret: true,
  }),

  // Abuse limits
  RATE_LIMIT_ENABLED: bool({ doc: 'Rate-limit login, register and refresh.', default: true }),
  RATE_LIMIT_WINDOW: int({ doc: 'Rate-limit window, seconds.', default: 60, min: 1, max: 86400 }),
  RATE_LIMIT_AUTH_PER_IP: int({
    doc: 'Login + register attempts per IP per window.',
    default: 60,
    min: 1,
    max: 1000000,
  }),
  RATE_LIMIT_AUTH_PER_ACCOUNT: int({
    doc: 'Login + register attempts per email address per window.',
    default: 10,
    min: 1,
    max: 1000000,
  }),
  RATE_LIMIT_REFRESH_PER_IP: int({ doc: 'Token refreshes per IP per window.', default: 600, min: 1, max: 1000000 }),
  RATE_LIMIT_REFRESH_PER_ACCOUNT: int({
    doc: 'Token refreshes per account per window.',
    default: 120,
    min: 1,
    max: 1000000,
  }),
  RATE_LIMIT_REDIS_URL: optionalStr({
    doc: 'Share rate-limit counters between instances through Redis (`redis://…`).',
    secret: true,
    check: (v) => (/^rediss?:\/\//.test(v) ? undefined : 'must start with redis:// or rediss://'),
  }),
  LOGIN_MAX_FAILURES_PER_HOUR: int({
    doc:
      'Failed logins per account per hour before untrusted clients are turned away (devices that logged in before ' +
      'keep access).',
    default: 100,
    min: 1,
    max: 100000,
  }),

  // Email
  SMTP_HOST: optionalStr({ doc: 'SMTP server. Unset: emails are written as .eml files to DATA_DIR/outbox.' }),
  SMTP_PORT: int({ doc: 'SMTP port.', default: 587, min: 1, max: 65535 }),
  SMTP_USER: optionalStr({ doc: 'SMTP user name.' }),
  SMTP_PASS: optionalStr({ doc: 'SMTP password.', secret: true }),
  SMTP_SECURE: bool({ doc: 'Use implicit TLS (port 465); otherwise STARTTLS when offered.', default: false }),
  SMTP_SENDER: str({ doc: 'From address of every email.', default: 'Gatehouse <noreply@localhost>' }),
  EMAIL_TEMPLATES_DIR: optionalStr({
    doc: 'Folder overriding the built-in templates: `<locale>/<kind>.{subject.txt,txt,html}` or `<kind>.{…}`.',
  }),

  // Account lifecycle (HBP flags and defaults)
  MAGIC_LINK_ENABLED: bool({
    doc: 'Register and log in without a password, through a link sent by email.',
    default: false,
  }),
  VERIFY_EMAILS: bool({ doc: 'An email change must be confirmed from the new address.', default: false }),
  NOTIFY_EMAIL_CHANGE: bool({
    doc:
      'Ignored, kept for HBP compatibility: the old address is always told of an email change, with a link that ' +
      'undoes it (mail `email-change-undo`).',
    default: false,
  }),
  LOST_PASSWORD_ENABLED: bool({ doc: 'Password reset by email.', default: false }),
  ALLOW_USER_SELF_DELETE: bool({ doc: 'Users may delete their own account.', default: false }),
  MFA_ENABLED: bool({ doc: 'TOTP multi-factor authentication.', default: true }),
  OTP_ISSUER: str({ doc: 'Issuer shown by authenticator apps.', default: 'Gatehouse' }),
  REDIRECT_URL_SUCCESS: optionalStr({
    doc: 'Where activation and magic links lead on success (default SERVER_URL).',
    check: checkUrl,
  }),
  REDIRECT_URL_ERROR: optionalStr({
    doc: 'Where they lead on failure, with `error=<code>` (default SERVER_URL).',
    check: checkUrl,
  }),
  REDIRECT_TOKEN_IN: oneOf(['query', 'fragment'], {
    doc: 'Put the refresh token of a redirect in the query or the fragment (kept out of server logs).',
    default: 'query',
  }),
  TICKET_EXPIRES_ACTIVATION: int({ doc: 'Activation link lifetime, minutes.', default: 1440, min: 1, max: 43200 }),
  TICKET_EXPIRES_MAGIC_LINK: int({ doc: 'Magic link lifetime, minutes.', default: 15, min: 1, max: 1440 }),
  TICKET_EXPIRES_PASSWORD_RESET: int({ doc: 'Password reset link lifetime, minutes.', default: 15, min: 1, max: 1440 }),
  TICKET_EXPIRES_EMAIL_CHANGE: int({
    doc: 'Email change confirmation lifetime, minutes.',
    default: 60,
    min: 1,
    max: 10080,
  }),
  TICKET_EXPIRES_MFA: int({ doc: 'MFA login ticket lifetime, minutes.', default: 5, min: 1, max: 60 }),
  TICKET_EXPIRES_EMAIL_CODE: int({
    doc: 'Lifetime of an emailed one-time sign-in code (hasura-auth `/signin/otp/email`), minutes.',
    default: 10,
    min: 1,
    max: 60,
  }),
  RATE_LIMIT_EMAIL_PER_ADDRESS: int({
    doc: 'Emails with links sent to one address per hour.',
    default: 5,
    min: 1,
    max: 10000,
  }),
  RATE_LIMIT_EMAIL_PER_IP: int({ doc: 'Requests that send links, per IP per hour.', default: 30, min: 1, max: 100000 }),
} satisfies Record<string, Field<unknown>>;
