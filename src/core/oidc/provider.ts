import type { JWK } from 'jose';
import type { Config } from '../../config/load.js';
import type { Queries } from '../../db/queries/index.js';
import type { OidcGrantRef } from '../../db/queries/oidc-store.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { hmac, safeEqual, sha256 } from '../hash.js';
import type { SecretBox } from '../mfa/secret-box.js';
import { canSignIn, type SessionRegistry } from '../sessions/registry.js';
import type { User, UserService } from '../users/service.js';
import { createAdapterClass } from './adapter.js';
import type { BrowserContext } from './browser.js';
import { userClaims, OIDC_CLAIMS } from './claims.js';
import type { OidcClients } from './clients.js';
import { secretOnlyAsItsHash } from './registration-secret.js';
import type { OidcClientModel, OidcCtx, OidcProvider, ProviderConstructor, ProviderErrors } from './types.js';

/** oidc-provider (and Koa under it), loaded only when the identity provider is on: 0.35 s off every CLI call. */
const loadProvider = async () => {
  // @ts-expect-error -- oidc-provider 8 ships no types; what Gatehouse uses is typed in ./types.ts
  const m = await import('oidc-provider');
  return { Provider: m.default as ProviderConstructor, errors: m.errors as ProviderErrors };
};

/** The routes where a client writes its own registration (RFC 7591, RFC 7592). */
const SELF_REGISTRATION = new Set(['registration', 'client_update']);
const GATEHOUSE_METADATA = ['urn:gatehouse:trusted', 'urn:gatehouse:allowed_roles'];

/** The provider's own pages, drawn by the HTTP layer (escaping, CSP). */
export interface OidcViews {
  error(out: Record<string, string>): string;
  logout(form: string, host: string): string;
  loggedOut(clientName: string | undefined): string;
  deviceInput(form: string, error: boolean): string;
  deviceConfirm(form: string, clientName: string, userCode: string): string;
  deviceDone(clientName: string): string;
}

export interface OidcProviderDeps {
  config: Config;
  queries: Queries;
  box: SecretBox;
  clock: Clock;
  sessions: SessionRegistry;
  users: UserService;
  clients: OidcClients;
  /** The private JWKs of the ID tokens' ring (`providerJwks`): the signing key first, then those that verify. */
  jwks: JWK[];
  browser: BrowserContext;
  cookieKey: Buffer;
  views: OidcViews;
  /** A grant oidc-provider deleted (see `adapter.ts`). */
  grantDeleted?: (grant: OidcGrantRef) => void;
  /** Where oidc-provider's unexpected errors (its `server_error` answers) are logged. */
  log: { error(o: object, msg: string): void };
}

/** The paths of the endpoints, under `/oidc` (discovery stays at the issuer's `/.well-known`). */
export const OIDC_PREFIX = '/oidc';
const route = (p: string) => `${OIDC_PREFIX}${p}`;

const page = (ctx: OidcCtx, html: string) => {
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.body = html;
};

/** The OpenID Connect provider (panva's oidc-provider), configured for Gatehouse. */
export async function createOidcProvider(d: OidcProviderDeps): Promise<OidcProvider> {
  const { config, views } = d;
  const idp = config.idp;
  const ns = config.jwt.claimsNamespace;
  const algorithm = String(d.jwks[0]?.alg);
  const findUser = async (id: string): Promise<User | undefined> => {
    const user = await d.users.get(id);
    return user && canSignIn(user, d.clock.now()) ? user : undefined;
  };

  type Ctx = OidcCtx;
  type Client = OidcClientModel;
  const { Provider, errors } = await loadProvider();
  const configuration = {
    adapter: createAdapterClass({
      ...d,
      findClient: (id) => d.clients.findRow(id),
      // Gatehouse's own checks of a client (a public client_credentials one…) refuse in OAuth's terms, not as a 500.
      registerClient: (metadata) =>
        d.clients.register(metadata).catch((err: unknown) => {
          if (err instanceof AppError && err.status < 500) throw new errors.InvalidClientMetadata(err.message);
          throw err;
        }),
      dropClient: (id) => d.clients.unregister(id),
    }),
    jwks: { keys: d.jwks },
    cookies: { keys: [d.cookieKey.toString('base64url')] },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: algorithm,
      ...(idp.pairwiseSalt ? { subject_type: 'pairwise' } : {}),
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access', ...Object.keys(OIDC_CLAIMS(ns)).filter((s) => s !== 'openid')],
    claims: OIDC_CLAIMS(ns),
    subjectTypes: idp.pairwiseSalt ? ['public', 'pairwise'] : ['public'],
    pairwiseIdentifier: async (_ctx: Ctx, accountId: string, client: Client) =>
      hmac(idp.pairwiseSalt ?? '', `${client.sectorIdentifier}:${accountId}`),
    extraClientMetadata: {
      properties: GATEHOUSE_METADATA,
      // Only an admin makes a client trusted or limits its roles: a client registering or updating itself cannot
      // (and is not told it did); `clients.register` keeps what an admin set.
      validator: (ctx: Ctx | undefined, key: string, _value: unknown, metadata: Record<string, unknown>) => {
        if (SELF_REGISTRATION.has(String(ctx?.oidc?.route))) delete metadata[key];
      },
    },
    pkce: { methods: ['S256'], required: (_ctx: Ctx, client: Client) => client.tokenEndpointAuthMethod === 'none' },
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // A client learns about its own tokens; a trusted (first-party) confidential client, such as an API
        // checking the tokens sent to it, about any token.
        allowedPolicy: async (_ctx: Ctx, client: Client, token: { clientId?: string }) =>
          token.clientId === client.clientId ||
          (client['urn:gatehouse:trusted'] === true && client.tokenEndpointAuthMethod !== 'none'),
      },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      claimsParameter: { enabled: true },
      registration: idp.registrationToken
        ? { enabled: true, initialAccessToken: idp.registrationToken, issueRegistrationAccessToken: true }
        : { enabled: false },
      // RFC 7592: a registered client reads, updates and deletes its registration with its registration access token,
      // which each update replaces.
      registrationManagement: { enabled: Boolean(idp.registrationToken), rotateRegistrationAccessToken: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: Ctx, form: string) => page(ctx, views.logout(form, ctx.host)),
        postLogoutSuccessSource: async (ctx: Ctx) => page(ctx, views.loggedOut(ctx.oidc.client?.clientName)),
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx: Ctx, form: string, _out: unknown, err: unknown) =>
          page(ctx, views.deviceInput(form, Boolean(err))),
        userCodeConfirmSource: async (ctx: Ctx, form: string, client: Client, _info: unknown, userCode: string) =>
          page(ctx, views.deviceConfirm(form, client.clientName ?? client.clientId, userCode)),
        successSource: async (ctx: Ctx) => page(ctx, views.deviceDone(ctx.oidc.client?.clientName ?? '')),
      },
    },
    renderError: async (ctx: Ctx, out: unknown) => page(ctx, views.error(out as Record<string, string>)),
    routes: {
      authorization: route('/auth'),
      token: route('/token'),
      userinfo: route('/me'),
      jwks: route('/jwks'),
      introspection: route('/token/introspection'),
      revocation: route('/token/revocation'),
      end_session: route('/session/end'),
      code_verification: route('/device'),
      device_authorization: route('/device/auth'),
      registration: route('/reg'),
      pushed_authorization_request: route('/request'),
      backchannel_authentication: route('/backchannel'),
    },
    interactions: { url: (_ctx: Ctx, interaction: { uid: string }) => route(`/interaction/${interaction.uid}`) },
    // Every grant of a client allowed to refresh gets a refresh token; the grant is a session anyway.
    issueRefreshToken: async (_ctx: Ctx, client: Client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: idp.accessTokenSeconds,
      ClientCredentials: idp.accessTokenSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: idp.refreshTokenSeconds,
      Grant: idp.refreshTokenSeconds,
      Session: idp.refreshTokenSeconds,
      Interaction: 600,
      DeviceCode: 600,
    },
    findAccount: async (ctx: Ctx, sub: string, token?: { clientId?: string }) => {
      const user = await findUser(sub);
      if (!user) return undefined;
      const clientId = token?.clientId ?? ctx.oidc.client?.clientId;
      const client = clientId ? await d.clients.findRow(clientId) : undefined;
      return {
        accountId: sub,
        claims: async (use: string, scope: string | undefined) => ({
          sub,
          ...userClaims(user, client?.allowedRoles ?? [], ns),
          ...(use === 'id_token' && scope?.split(' ').includes('hasura') ? { [HASURA_IN_ID_TOKEN]: true } : {}),
        }),
      };
    },
  };

  const provider = new Provider(config.server.url, configuration);
  // The mount sets its requests' host, protocol and client address (the issuer's; Fastify's TRUST_PROXY view).
  provider.proxy = true;
  provider.on('server_error', (_ctx, err) => d.log.error({ err }, 'the OpenID Connect provider failed'));
  // The store keeps a client's secret as its SHA-256 only: compare the presented secret's hash.
  // This class belongs to this provider instance alone (oidc-provider makes one per Provider).
  provider.Client.prototype.compareClientSecret = async function compare(
    this: { clientSecret?: string },
    actual: unknown,
  ) {
    return typeof actual === 'string' && safeEqual(this.clientSecret ?? '', sha256(actual));
  };
  // A device page posted with no provider session (a script, an expired cookie): oidc-provider's error page gives the
  // new session a form secret, then refuses to persist a session never saved, and answered 500. Such a session, whose
  // cookie the browser does not hold, is not saved: the page's 400 stands.
  const { persist } = provider.Session.prototype;
  provider.Session.prototype.persist = async function persistSaved(this: { exp?: unknown }) {
    if (typeof this.exp === 'number') await persist.call(this);
  };
  hasuraClaimsInIdToken(provider, ns);
  provider.use(secretOnlyAsItsHash(`${OIDC_PREFIX}/reg/`));
  return provider;
}

/** Marks the claims of an ID token whose grant has the `hasura` scope (a symbol: never a claim itself). */
const HASURA_IN_ID_TOKEN = Symbol('hasura claims in the ID token');

/**
 * oidc-provider puts the claims of scopes in userinfo only (OpenID Connect Core 5.4); a Hasura app sends the
 * ID token itself to Hasura, so with the `hasura` scope the namespace's claims go into the ID token too.
 */
function hasuraClaimsInIdToken(provider: OidcProvider, ns: string) {
  const { prototype } = provider.IdToken;
  const payload = prototype.payload;
  prototype.payload = async function withHasura(this: { available: Record<string | symbol, unknown> }) {
    const out = await payload.call(this);
    return this.available[HASURA_IN_ID_TOKEN] && this.available[ns] ? { ...out, [ns]: this.available[ns] } : out;
  };
}
