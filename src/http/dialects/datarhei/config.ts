import { int, oneOf, optionalStr, str } from '../../../config/fields.js';
import type { RawOf } from '../manifest.js';

export const datarheiFields = {
  DATARHEI_IDP_TENANTS: optionalStr({
    doc:
      'External identity providers for datarhei logins: JSON `[{"issuer" or "domain", "audience", "clientid"?, ' +
      '"users": [subjects]}]` (`clientid` is the SPA client id restreamer-ui signs in with).',
    check: (v) => {
      try {
        const list: unknown = JSON.parse(v);
        const valid =
          Array.isArray(list) &&
          list.every(
            (t) =>
              t &&
              typeof t === 'object' &&
              (typeof t.issuer === 'string' || typeof t.domain === 'string') &&
              typeof t.audience === 'string' &&
              (t.clientid === undefined || typeof t.clientid === 'string') &&
              Array.isArray(t.users) &&
              t.users.every((u: unknown) => typeof u === 'string'),
          );
        return valid ? undefined : 'must be a JSON array of {issuer|domain, audience, clientid?, users[]}';
      } catch {
        return 'must be JSON';
      }
    },
  }),
  DATARHEI_CORE_VERSION: str({
    doc:
      'The datarhei Core version `GET /api` reports: restreamer-ui refuses Cores outside its range (`^16.11.0` ' +
      'today).',
    default: '16.16.0',
    pattern: /^\d{1,4}\.\d{1,4}\.\d{1,4}$/,
    hint: 'must be a version like 16.16.0',
  }),
  DATARHEI_ACCESS_MINUTES: int({ doc: 'Lifetime of datarhei access tokens, minutes.', default: 10, min: 1, max: 1440 }),
  DATARHEI_REFRESH_MINUTES: int({
    doc: 'Lifetime of datarhei refresh tokens, minutes.',
    default: 1440,
    min: 1,
    max: 525600,
  }),
  DATARHEI_IDP_MAX_TOKEN_MINUTES: int({
    doc:
      'Longest lifetime of an identity-provider token exchanged at `POST /api/login` (`exp` is required; ' +
      '`exp − iat` and `exp − now` may not exceed it), minutes.',
    default: 1440,
    min: 1,
    max: 43200,
  }),
  DATARHEI_MFA: oneOf(['refuse', 'append'], {
    doc:
      'datarhei password login for users with MFA: `refuse` (they use the identity-provider login), or `append` ' +
      '(the current code appended to the password).',
    default: 'refuse',
  }),
};

export function readDatarheiConfig(raw: RawOf<typeof datarheiFields>) {
  return {
    accessMinutes: raw.DATARHEI_ACCESS_MINUTES,
    refreshMinutes: raw.DATARHEI_REFRESH_MINUTES,
    mfa: raw.DATARHEI_MFA,
    idpMaxTokenMinutes: raw.DATARHEI_IDP_MAX_TOKEN_MINUTES,
    coreVersion: raw.DATARHEI_CORE_VERSION,
    tenants: (
      JSON.parse(raw.DATARHEI_IDP_TENANTS ?? '[]') as {
        issuer?: string;
        domain?: string;
        audience: string;
        clientid?: string;
        users: string[];
      }[]
    ).map((t) => ({
      issuer: t.issuer ?? `https://${t.domain}/`,
      audience: t.audience,
      clientId: t.clientid ?? '',
      users: t.users,
    })),
  };
}
export type DatarheiConfig = ReturnType<typeof readDatarheiConfig>;

/** What the configuration needs of this dialect, without loading its routes. */
export const datarheiSettings = {
  id: 'datarhei',
  summary: '`datarhei` (/api, /api/login…)',
  configFields: datarheiFields,
  readConfig: readDatarheiConfig,
} as const;
