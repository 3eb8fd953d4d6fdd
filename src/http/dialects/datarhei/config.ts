import { int, oneOf, optionalStr } from '../../../config/fields.js';
import type { RawOf } from '../manifest.js';

export const datarheiFields = {
  DATARHEI_IDP_TENANTS: optionalStr({
    doc: 'External identity providers for datarhei logins: JSON `[{"issuer" or "domain", "audience", "users": [subjects]}]`.',
    check: (v) => {
      try {
        const list: unknown = JSON.parse(v);
        const valid = Array.isArray(list) && list.every((t) => t && typeof t === 'object' && (typeof t.issuer === 'string' || typeof t.domain === 'string') && typeof t.audience === 'string' && Array.isArray(t.users) && t.users.every((u: unknown) => typeof u === 'string'));
        return valid ? undefined : 'must be a JSON array of {issuer|domain, audience, users[]}';
      } catch {
        return 'must be JSON';
      }
    },
  }),
  DATARHEI_ACCESS_MINUTES: int({ doc: 'Lifetime of datarhei access tokens, minutes.', default: 10, min: 1, max: 1440 }),
  DATARHEI_REFRESH_MINUTES: int({ doc: 'Lifetime of datarhei refresh tokens, minutes.', default: 1440, min: 1, max: 525600 }),
  DATARHEI_MFA: oneOf(['refuse', 'append'], { doc: 'datarhei password login for users with MFA: `refuse` (they use the identity-provider login), or `append` (the current code appended to the password).', default: 'refuse' }),
};

export function readDatarheiConfig(raw: RawOf<typeof datarheiFields>) {
  return {
    accessMinutes: raw.DATARHEI_ACCESS_MINUTES,
    refreshMinutes: raw.DATARHEI_REFRESH_MINUTES,
    mfa: raw.DATARHEI_MFA,
    tenants: (JSON.parse(raw.DATARHEI_IDP_TENANTS ?? '[]') as { issuer?: string; domain?: string; audience: string; users: string[] }[]).map((t) => ({
      issuer: t.issuer ?? `https://${t.domain}/`,
      audience: t.audience,
      users: t.users,
    })),
  };
}
export type DatarheiConfig = ReturnType<typeof readDatarheiConfig>;
