import { bool, oneOf, str } from '../../../config/fields.js';
import type { RawOf } from '../manifest.js';

export const hasuraAuthFields = {
  HASURA_AUTH_MOUNT: str({
    doc:
      'Where the hasura-auth dialect is served: the `authUrl` its clients are given is `SERVER_URL` + this path ' +
      '(`/v1/auth` as on nhost, or `/` for the root of a host of its own).',
    default: '/v1/auth',
    pattern: /^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/,
    hint: 'must be a path like /v1/auth, or /',
  }),
  HASURA_AUTH_VERSION: str({
    doc: "The version `GET {mount}/version` reports (clients only show it; hasura-auth's own releases are 0.x).",
    default: '0.38.1',
    pattern: /^v?\d{1,4}\.\d{1,4}\.\d{1,4}$/,
    hint: 'must be a version like 0.38.1',
  }),
  HASURA_AUTH_ANONYMOUS_USERS: bool({
    doc:
      '`POST /signin/anonymous`: accounts with no credential (role `anonymous`) that `/user/deanonymize` later ' +
      'gives an email and a password. Off: 409 disabled-endpoint, as hasura-auth.',
    default: false,
  }),
  HASURA_AUTH_REDIRECT_TOKEN_IN: oneOf(['query', 'fragment'], {
    doc:
      'Where the redirects of `GET {mount}/verify` and of provider sign-in carry `refreshToken` (or a reset ' +
      "link's `ticket`) and `type`: the query, as hasura-auth always does, or the fragment, kept out of server " +
      "logs and Referer headers (hasura-auth-js's sign-in from the page's URL reads either).",
    default: 'query',
  }),
};

export function readHasuraAuthConfig(raw: RawOf<typeof hasuraAuthFields>) {
  return {
    mount: raw.HASURA_AUTH_MOUNT === '/' ? '' : raw.HASURA_AUTH_MOUNT,
    version: raw.HASURA_AUTH_VERSION,
    anonymousUsers: raw.HASURA_AUTH_ANONYMOUS_USERS,
    redirectTokenIn: raw.HASURA_AUTH_REDIRECT_TOKEN_IN,
  };
}

export type HasuraAuthConfig = ReturnType<typeof readHasuraAuthConfig>;

/** What the configuration needs of this dialect, without loading its routes. */
export const hasuraAuthSettings = {
  id: 'hasura-auth',
  summary: '`hasura-auth` (nhost hasura-auth, at HASURA_AUTH_MOUNT)',
  configFields: hasuraAuthFields,
  readConfig: readHasuraAuthConfig,
} as const;
