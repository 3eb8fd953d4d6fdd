import { HasuraAuthClient } from '@nhost/hasura-auth-js';
import { createClient } from '@nhost/nhost-js';
import { Secret, TOTP } from 'otpauth';
import type { Env } from '../../src/config/load.js';
import { type ServerOptions, type LiveServer, useServer } from '../clients/harness/server.js';
import type { DatabaseKind } from './app.js';

/**
 * The hasura-auth door's clients, unchanged, against a live Gatehouse: @nhost/hasura-auth-js 2.12.0 and
 * @nhost/nhost-js 4.7.0, each as an app in Node builds it (no auto refresh, the session kept in memory).
 */

/** hasura-auth-js at `authUrl`: no auto refresh, no sign-in from the page's URL, its storage in memory. */
export function hasuraClient(authUrl: string): HasuraAuthClient {
  const store = new Map<string, string>();
  return new HasuraAuthClient({
    url: authUrl,
    autoRefreshToken: false,
    autoSignIn: false,
    clientStorageType: 'custom',
    clientStorage: {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    },
  });
}

/**
 * nhost-js 4 at `authUrl`, its session in memory. It tells its own refresh call by a URL ending in `/v1/token`
 * (its middleware refreshes before any other call): give it an auth URL ending in `/v1`, as nhost's hosts have.
 */
export function nhostClient(authUrl: string) {
  let session: unknown = null;
  return createClient({
    authUrl,
    storage: {
      get: () => session as never,
      set: (value: unknown) => {
        session = value;
      },
      remove: () => {
        session = null;
      },
    },
  });
}

/** An authenticator app: the current code for a base32 secret, on the server's clock. */
export const authenticator = (secret: string, live: LiveServer) =>
  new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({
    timestamp: live.t.clock.now().getTime(),
  });

/** POSTs JSON to a path of the live server, as a client without a library would. */
export const postJson = (live: LiveServer, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${live.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

export interface HasuraAuthSuite {
  server: () => LiveServer;
  /** HASURA_AUTH_MOUNT as configured ('' at the root of the host). */
  mount: string;
  /** The clients' `authUrl`: the live server's address and the mount. */
  authUrl: () => string;
  hasura: () => HasuraAuthClient;
  nhost: () => ReturnType<typeof nhostClient>;
}

/**
 * One live server per suite with the hasura-auth door at `mount` (`/v1/auth` by default; `/v1` where nhost-js 4
 * is driven), and factories of fresh clients pointed at it.
 */
export function useHasuraAuth(
  db: DatabaseKind,
  o: { mount?: string; env?: Env | (() => Env); options?: ServerOptions } = {},
): HasuraAuthSuite {
  const mount = o.mount === '/' ? '' : (o.mount ?? '/v1/auth');
  const env = () => ({ HASURA_AUTH_MOUNT: mount || '/', ...(typeof o.env === 'function' ? o.env() : o.env) });
  const server = useServer(db, env, o.options);
  const authUrl = () => `${server().url}${mount}`;
  return {
    server,
    mount,
    authUrl,
    hasura: () => hasuraClient(authUrl()),
    nhost: () => nhostClient(authUrl()),
  };
}
