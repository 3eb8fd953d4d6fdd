import path from 'node:path';
import { bool, int, optionalStr, type Field } from './fields.js';

const DOMAIN = /^\.?(?=.{1,253}$)([a-z0-9-]+\.)*[a-z0-9-]+$/i;

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const checkDomains = (v: string) => {
  const wrong = list(v).filter((d) => !DOMAIN.test(d));
  return wrong.length ? `not domain names: ${wrong.join(', ')}` : undefined;
};

/** `host=role|role;host2=role` */
const checkRules = (v: string) => {
  for (const rule of v.split(';').filter((s) => s.trim())) {
    const [host, roles] = rule.split('=');
    if (!host?.trim() || !roles?.trim()) return `${rule}: expected host=role|role`;
  }
  return undefined;
};

/** The identity-provider settings (issue 28): the OpenID Connect provider and forward-auth. */
export const IDP_FIELDS = {
  OIDC_ENABLED: bool({
    doc:
      'Be an OpenID Connect provider: discovery at `SERVER_URL/.well-known/openid-configuration`, ' +
      'endpoints under `/oidc`.',
    default: false,
  }),
  OIDC_CLIENTS_FILE: optionalStr({
    doc:
      'YAML file of relying parties (`clients: [{client_id, client_secret_hash | public, redirect_uris, …}]`), ' +
      'read at start; they cannot be edited through the admin API.',
  }),
  OIDC_ACCESS_TOKEN_MINUTES: int({ doc: "Lifetime of the provider's access tokens.", default: 10, min: 1, max: 1440 }),
  OIDC_REFRESH_TOKEN_DAYS: int({ doc: 'Lifetime of a grant and its refresh tokens.', default: 30, min: 1, max: 3650 }),
  OIDC_PAIRWISE_SALT: optionalStr({
    doc:
      'Set it to give each client its own `sub` for a user (pairwise subject identifiers); ' +
      'unset, `sub` is the user id.',
    secret: true,
  }),
  OIDC_REGISTRATION_TOKEN: optionalStr({
    doc:
      'Set it to switch dynamic client registration on (`POST /oidc/reg`): the initial access token a ' +
      'registering client must present (at least 32 characters). A registered client then reads, updates and ' +
      'deletes its registration with its own registration access token (RFC 7592).',
    secret: true,
    // A bearer token (RFC 6750 b64token): no spaces.
    check: (v: string) =>
      v.length < 32 || !/^[A-Za-z0-9._~+/-]+=*$/.test(v)
        ? 'must be at least 32 characters of A-Z a-z 0-9 . _ ~ + / - (a bearer token)'
        : undefined,
  }),
  FORWARD_AUTH_ENABLED: bool({
    doc: 'Answer `GET /auth/forward` for nginx `auth_request`, Traefik `ForwardAuth` and Caddy `forward_auth`.',
    default: false,
  }),
  FORWARD_AUTH_DOMAINS: optionalStr({
    doc: 'Domains (comma-separated, with their subdomains) that a sign-in started by forward-auth may return to.',
    check: checkDomains,
  }),
  FORWARD_AUTH_COOKIE_DOMAIN: optionalStr({
    doc: 'Domain of the single sign-on cookie (e.g. `example.com`), so that the proxied hosts send it along.',
    check: checkDomains,
  }),
  FORWARD_AUTH_ROLES: optionalStr({
    doc:
      'Per-host role rules, `host=role|role;host2=role`: a user needs one of the roles to pass ' +
      '(other hosts: any user).',
    check: checkRules,
  }),
  FORWARD_AUTH_HEADER_PREFIX: optionalStr({
    doc: 'Prefix of the identity headers (default `X-Auth-Request-`: `-User`, `-Email`, `-Groups`, `-Name`).',
  }),
} satisfies Record<string, Field<unknown>>;

type IdpRaw = { [K in keyof typeof IDP_FIELDS]: (typeof IDP_FIELDS)[K] extends Field<infer T> ? T : never };

export interface IdpConfig {
  enabled: boolean;
  clientsFile: string | undefined;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  pairwiseSalt: string | undefined;
  /** Dynamic client registration's initial access token; undefined: registration is off. */
  registrationToken: string | undefined;
  forward: {
    enabled: boolean;
    domains: string[];
    cookieDomain: string | undefined;
    roles: { host: string; roles: string[] }[];
    headerPrefix: string;
  };
}

export function idpConfig(raw: IdpRaw): IdpConfig {
  return {
    enabled: raw.OIDC_ENABLED,
    clientsFile: raw.OIDC_CLIENTS_FILE && path.resolve(raw.OIDC_CLIENTS_FILE),
    accessTokenSeconds: raw.OIDC_ACCESS_TOKEN_MINUTES * 60,
    refreshTokenSeconds: raw.OIDC_REFRESH_TOKEN_DAYS * 86_400,
    pairwiseSalt: raw.OIDC_PAIRWISE_SALT,
    registrationToken: raw.OIDC_REGISTRATION_TOKEN,
    forward: {
      enabled: raw.FORWARD_AUTH_ENABLED,
      domains: list(raw.FORWARD_AUTH_DOMAINS).map((d) => d.toLowerCase().replace(/^\./, '')),
      cookieDomain: raw.FORWARD_AUTH_COOKIE_DOMAIN,
      roles: (raw.FORWARD_AUTH_ROLES ?? '')
        .split(';')
        .filter((s) => s.trim())
        .map((rule) => {
          const [host = '', roles = ''] = rule.split('=');
          return {
            host: host.trim().toLowerCase(),
            roles: roles
              .split('|')
              .map((r) => r.trim())
              .filter(Boolean),
          };
        }),
      headerPrefix: raw.FORWARD_AUTH_HEADER_PREFIX ?? 'X-Auth-Request-',
    },
  };
}
