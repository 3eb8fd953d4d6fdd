import path from 'node:path';
import { int, optionalStr, roleList, str } from '../../../config/fields.js';
import type { RawOf } from '../manifest.js';

export const privacyideaFields = {
  PRIVACYIDEA_ADMIN_REALMS: roleList({
    doc: 'Realms whose users get the privacyIDEA role admin (as does the admin role).',
    default: ['admin'],
  }),
  RIGHTS_POLICY: optionalStr({
    doc: 'YAML or JSON file mapping roles to rights (`roles: {admin: [...], user: [...]}`).',
  }),
  PRIVACYIDEA_JWT_MINUTES: int({ doc: 'Lifetime of privacyIDEA JWTs, minutes.', default: 60, min: 1, max: 1440 }),
  PRIVACYIDEA_VERSION: str({
    doc:
      'The privacyIDEA version every answer reports (`version` "privacyIDEA <v>" and `versionnumber`), which ' +
      "privacyIDEA's web UIs display.",
    default: '3.13.3',
    pattern: /^\d{1,4}(\.\d{1,4}){0,3}(dev\d{1,4})?$/,
    hint: 'must be a version like 3.13.3',
  }),
};

export const readPrivacyideaConfig = (raw: RawOf<typeof privacyideaFields>) => ({
  adminRealms: raw.PRIVACYIDEA_ADMIN_REALMS,
  rightsPolicyFile: raw.RIGHTS_POLICY && path.resolve(raw.RIGHTS_POLICY),
  jwtSeconds: raw.PRIVACYIDEA_JWT_MINUTES * 60,
  version: raw.PRIVACYIDEA_VERSION,
});
export type PrivacyideaConfig = ReturnType<typeof readPrivacyideaConfig>;

/** What the configuration needs of this dialect, without loading its routes. */
export const privacyideaSettings = {
  id: 'privacyidea',
  summary: '`privacyidea` (POST /auth, /auth/rights)',
  configFields: privacyideaFields,
  readConfig: readPrivacyideaConfig,
} as const;
