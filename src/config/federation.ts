import path from 'node:path';
import { int, oneOf, optionalStr, type Field } from './fields.js';

/** Sign-in providers with a preset; `oidc` is the generic OpenID Connect one (AUTH_PROVIDER_OIDC_ISSUER). */
export const PROVIDERS = ['oidc', 'github', 'google', 'microsoft', 'gitlab', 'apple', 'discord'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

const LABELS: Record<ProviderName, string> = {
  oidc: 'the OpenID Connect provider',
  github: 'GitHub',
  google: 'Google',
  microsoft: 'Microsoft',
  gitlab: 'GitLab',
  apple: 'Apple',
  discord: 'Discord',
};
const DOMAIN = /^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z0-9-]+$/i;

const checkDomains = (v: string) => {
  const wrong = v
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d && !DOMAIN.test(d));
  return wrong.length ? `not domain names: ${wrong.join(', ')}` : undefined;
};

const checkUrlList = (v: string) => {
  for (const item of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      const u = new URL(item);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${item}: must be an http(s) URL`;
    } catch {
      return `${item}: must be an absolute URL`;
    }
  }
  return undefined;
};

type Suffix = 'CLIENT_ID' | 'CLIENT_SECRET' | 'SCOPE' | 'ALLOWED_DOMAINS';

function providerFields<const N extends string>(name: N, label: string) {
  return {
    [`AUTH_PROVIDER_${name}_CLIENT_ID`]: optionalStr({
      doc: `OAuth client id at ${label}; setting it switches the provider on.`,
    }),
    [`AUTH_PROVIDER_${name}_CLIENT_SECRET`]: optionalStr({ doc: `OAuth client secret at ${label}.`, secret: true }),
    [`AUTH_PROVIDER_${name}_SCOPE`]: optionalStr({
      doc: `Scopes asked of ${label}, space- or comma-separated (default: the preset's).`,
    }),
    [`AUTH_PROVIDER_${name}_ALLOWED_DOMAINS`]: optionalStr({
      doc: `Only email addresses of these domains may sign in with ${label} (comma-separated).`,
      check: checkDomains,
    }),
  } as { [K in `AUTH_PROVIDER_${N}_${Suffix}`]: Field<string | undefined> };
}

/** The federation settings: directories and sign-in providers. Spread into CONFIG_FIELDS. */
export const FEDERATION_FIELDS = {
  DIRECTORIES_FILE: optionalStr({
    doc:
      'YAML file of LDAP directories (`directories: [{realm, url, …}]`), read at start; they cannot be edited ' +
      'through the admin API.',
  }),
  DIRECTORY_SYNC_MINUTES: int({
    doc:
      'Every this many minutes, directory users who left the directory or no longer match `user_filter` lose ' +
      'their sessions (0: never).',
    default: 15,
    min: 0,
    max: 10080,
  }),
  PROVIDER_LINK_UNPROVEN: oneOf(['refuse', 'takeover'], {
    doc:
      'A provider sign-in whose verified address is held by a local account whose address was never proven: `refuse` ' +
      '(409 account-exists-unproven), or `takeover` (the account loses its sessions, tokens, password, MFA and other ' +
      'links, then is linked).',
    default: 'refuse',
  }),
  ALLOWED_REDIRECT_URLS: optionalStr({
    doc:
      'Comma-separated URL prefixes that a `redirect_url` of a provider sign-in may start with ' +
      '(REDIRECT_URL_SUCCESS always may).',
    check: checkUrlList,
  }),
  AUTH_PROVIDER_OIDC_ISSUER: optionalStr({
    doc:
      'Issuer URL of the generic OpenID Connect provider (`oidc`); discovery at ' +
      '`/.well-known/openid-configuration`.',
    check: checkUrlList,
  }),
  ...providerFields('OIDC', LABELS.oidc),
  ...providerFields('GITHUB', LABELS.github),
  ...providerFields('GOOGLE', LABELS.google),
  AUTH_PROVIDER_MICROSOFT_TENANT: optionalStr({
    doc:
      'Microsoft Entra tenant id (a GUID) whose issuer is trusted; the multi-tenant `common` endpoint has no ' +
      'fixed issuer.',
  }),
  ...providerFields('MICROSOFT', LABELS.microsoft),
  AUTH_PROVIDER_GITLAB_URL: optionalStr({ doc: 'GitLab instance (default https://gitlab.com).', check: checkUrlList }),
  ...providerFields('GITLAB', LABELS.gitlab),
  ...providerFields('APPLE', LABELS.apple),
  ...providerFields('DISCORD', LABELS.discord),
} satisfies Record<string, Field<unknown>>;

type FederationRaw = {
  [K in keyof typeof FEDERATION_FIELDS]: (typeof FEDERATION_FIELDS)[K] extends Field<infer T> ? T : never;
};

export interface ProviderSettings {
  name: ProviderName;
  clientId: string;
  clientSecret: string | undefined;
  scope: string[] | undefined;
  allowedDomains: string[] | undefined;
  /** Issuer or base URL for the presets that need one (oidc, microsoft, gitlab). */
  issuer: string | undefined;
}

export interface FederationConfig {
  directoriesFile: string | undefined;
  syncMinutes: number;
  allowedRedirectUrls: string[];
  providers: ProviderSettings[];
  /** What a provider sign-in does to a local account with the same, never proven, address. */
  linkUnproven: 'refuse' | 'takeover';
}

const split = (v: string | undefined, by: RegExp) =>
  v === undefined
    ? undefined
    : v
        .split(by)
        .map((s) => s.trim())
        .filter(Boolean);

/** Builds the federation part of the Config; pushes a problem for half-configured providers. */
export function federationConfig(raw: FederationRaw, problems: string[]): FederationConfig {
  const r = raw as unknown as Record<string, string | undefined>;
  const providers: ProviderSettings[] = [];
  for (const name of PROVIDERS) {
    const up = name.toUpperCase();
    const clientId = r[`AUTH_PROVIDER_${up}_CLIENT_ID`];
    if (!clientId) continue;
    const issuer =
      name === 'oidc'
        ? r.AUTH_PROVIDER_OIDC_ISSUER
        : name === 'microsoft'
          ? r.AUTH_PROVIDER_MICROSOFT_TENANT
          : name === 'gitlab'
            ? (r.AUTH_PROVIDER_GITLAB_URL ?? 'https://gitlab.com')
            : undefined;
    if (name === 'oidc' && !issuer)
      problems.push('AUTH_PROVIDER_OIDC_ISSUER: needed when AUTH_PROVIDER_OIDC_CLIENT_ID is set');
    if (name === 'microsoft' && !issuer)
      problems.push('AUTH_PROVIDER_MICROSOFT_TENANT: needed when AUTH_PROVIDER_MICROSOFT_CLIENT_ID is set');
    providers.push({
      name,
      clientId,
      clientSecret: r[`AUTH_PROVIDER_${up}_CLIENT_SECRET`],
      scope: split(r[`AUTH_PROVIDER_${up}_SCOPE`], /[\s,]+/),
      allowedDomains: split(r[`AUTH_PROVIDER_${up}_ALLOWED_DOMAINS`], /,/)?.map((d) => d.toLowerCase()),
      issuer,
    });
  }
  return {
    directoriesFile: raw.DIRECTORIES_FILE && path.resolve(raw.DIRECTORIES_FILE),
    syncMinutes: raw.DIRECTORY_SYNC_MINUTES,
    allowedRedirectUrls: split(raw.ALLOWED_REDIRECT_URLS, /,/) ?? [],
    providers,
    linkUnproven: raw.PROVIDER_LINK_UNPROVEN,
  };
}
