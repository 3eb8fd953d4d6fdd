import { bool, int, optionalStr, str, type Field } from './fields.js';

const checkOriginList = (v: string) => {
  for (const o of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      const u = new URL(o);
      if (!['http:', 'https:'].includes(u.protocol) || u.origin !== o.replace(/\/$/, ''))
        return `"${o}" is not an origin like https://app.example.com`;
    } catch {
      return `"${o}" is not an origin like https://app.example.com`;
    }
  }
  return undefined;
};

const HOST = /^(?=.{1,253}$)([a-z0-9-]+\.)*[a-z0-9-]+$/i;

/** Passkeys (WebAuthn): the relying party and where ceremonies may come from. */
export const PASSKEY_FIELDS = {
  WEBAUTHN_ENABLED: bool({
    doc: 'Passkeys (WebAuthn) as a first factor, a second factor and for re-authentication (`/auth/webauthn/…`).',
    default: true,
  }),
  WEBAUTHN_RP_ID: optionalStr({
    doc:
      "The relying party id: a registrable domain the passkeys are bound to (default SERVER_URL's host name). " +
      'Changing it makes every registered passkey unusable.',
    check: (v) => (HOST.test(v) ? undefined : `"${v}" is not a host name like example.com`),
  }),
  WEBAUTHN_RP_NAME: str({ doc: 'The name authenticators show next to a passkey.', default: 'Gatehouse' }),
  WEBAUTHN_RP_ORIGINS: optionalStr({
    doc: "Comma-separated origins whose pages may run a ceremony (default SERVER_URL's origin and CORS_ORIGINS).",
    check: checkOriginList,
  }),
  WEBAUTHN_CHALLENGE_SECONDS: int({
    doc: 'How long a ceremony challenge stays valid, in seconds; each is single-use.',
    default: 300,
    min: 30,
    max: 3600,
  }),
} satisfies Record<string, Field<unknown>>;

export interface PasskeysConfig {
  enabled: boolean;
  rpId: string;
  rpName: string;
  origins: string[];
  challengeSeconds: number;
}

type PasskeysRaw = {
  [K in keyof typeof PASSKEY_FIELDS]: (typeof PASSKEY_FIELDS)[K] extends Field<infer T> ? T : never;
};

/** The relying party: its id defaults to SERVER_URL's host, its origins to the CORS ones (which hold SERVER_URL's). */
export function passkeysConfig(raw: PasskeysRaw, serverUrl: string, corsOrigins: string[]): PasskeysConfig {
  const listed = (raw.WEBAUTHN_RP_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);
  return {
    enabled: raw.WEBAUTHN_ENABLED,
    rpId: raw.WEBAUTHN_RP_ID ?? new URL(serverUrl).hostname,
    rpName: raw.WEBAUTHN_RP_NAME,
    origins: listed.length ? listed : corsOrigins,
    challengeSeconds: raw.WEBAUTHN_CHALLENGE_SECONDS,
  };
}
