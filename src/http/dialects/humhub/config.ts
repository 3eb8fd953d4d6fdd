import { bool, int, oneOf } from '../../../config/fields.js';
import type { RawOf } from '../manifest.js';

export const humhubFields = {
  HUMHUB_JWT: oneOf(['all', 'selected', 'off'], {
    doc:
      'HumHub JWT login and bearer JWTs: for all users, for selected users (`gatehouse user allow-method <email> ' +
      'jwt`), or off.',
    default: 'all',
  }),
  HUMHUB_BASIC: oneOf(['all', 'selected', 'off'], {
    doc: 'HumHub HTTP Basic authentication: all, selected users, or off.',
    default: 'all',
  }),
  HUMHUB_BEARER: bool({ doc: 'HumHub predefined bearer tokens (`gatehouse token create`).', default: true }),
  HUMHUB_QUERY_TOKEN: bool({
    doc: 'Accept a bearer token as `?access-token=` (it then appears in URLs: off by default).',
    default: false,
  }),
  HUMHUB_IMPERSONATION: bool({ doc: 'HumHub impersonation tokens for admins.', default: true }),
  HUMHUB_JWT_EXPIRES: int({ doc: 'Lifetime of HumHub JWTs, seconds.', default: 86400, min: 60, max: 31536000 }),
  HUMHUB_MFA: oneOf(['refuse', 'append'], {
    doc:
      'HumHub JWT login and Basic for users with MFA: `refuse` (they use bearer tokens), or `append` (the current ' +
      'code appended to the password, as privacyIDEA does).',
    default: 'refuse',
  }),
  IMPERSONATION_MINUTES: int({ doc: 'Lifetime of impersonation tokens, minutes.', default: 30, min: 1, max: 1440 }),
};

export function readHumhubConfig(raw: RawOf<typeof humhubFields>) {
  return {
    jwt: raw.HUMHUB_JWT,
    basic: raw.HUMHUB_BASIC,
    bearer: raw.HUMHUB_BEARER,
    queryToken: raw.HUMHUB_QUERY_TOKEN,
    impersonation: raw.HUMHUB_IMPERSONATION,
    jwtExpiresSeconds: raw.HUMHUB_JWT_EXPIRES,
    mfa: raw.HUMHUB_MFA,
    impersonationMinutes: raw.IMPERSONATION_MINUTES,
  };
}

export type HumhubConfig = ReturnType<typeof readHumhubConfig>;

/** What the configuration needs of this dialect, without loading its routes. */
export const humhubSettings = {
  id: 'humhub',
  summary: '`humhub` (/api/v1/auth/*)',
  configFields: humhubFields,
  readConfig: readHumhubConfig,
} as const;
