import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { createHash } from 'node:crypto';
import type { ProviderSettings } from '../../config/federation.js';
import { AppError, errors } from '../errors.js';
import { presetOf, profileFromClaims, type Preset, type Profile } from './presets.js';

/** The secrets of one authorization request, kept by the browser (sealed) until the callback. */
export interface FlowSecrets {
  state: string;
  codeVerifier: string;
  /** OpenID Connect only. */
  nonce: string | undefined;
}

const providerUnavailable = (name: string, cause?: unknown) =>
  errors.providerUnavailable(`The sign-in provider ${name} cannot be reached; try again later`, { cause });
export const providerLoginFailed = (detail?: string) => errors.providerLoginFailed(detail);

/** Plain http is accepted only for a provider on this machine (development, tests). */
const isLoopback = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

/** Asymmetric algorithms only: `none` proves nothing, and HS* would be keyed by a secret the provider shares. */
const ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519', 'RS384', 'PS384', 'ES384', 'RS512', 'PS512'];

/**
 * The one alg an ID token may carry: RS256 (OpenID Connect's default, what a client registered without
 * `id_token_signed_response_alg` gets) unless the provider advertises only others, then its first asymmetric one.
 */
export function idTokenAlg(advertised: readonly string[] | undefined): string {
  if (!advertised?.length || advertised.includes('RS256')) return 'RS256';
  const alg = advertised.find((a) => ASYMMETRIC.includes(a));
  if (!alg) throw errors.providerUnavailable('The provider signs ID tokens with no algorithm we accept');
  return alg;
}

/** A network failure (fetch's TypeError) is an outage; anything else the provider answered is a failed sign-in. */
function translate(name: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof TypeError && !(err instanceof oidc.ClientError)) return providerUnavailable(name, err);
  const e = err as { error?: string; code?: string };
  const detail = e.error === 'access_denied' ? 'The sign-in was cancelled at the provider' : undefined;
  return errors.providerLoginFailed(detail, { cause: err });
}

/**
 * One provider through openid-client: discovery (once, lazily, retried after a failure),
 * authorization URL with state + PKCE (+ nonce), and the code exchange with every check the
 * library makes (state, issuer, id_token signature, audience, nonce, expiry).
 */
export function createOAuthClient(settings: ProviderSettings, redirectUri: string) {
  const preset: Preset = presetOf(settings);
  const auth = settings.clientSecret ? oidc.ClientSecretPost(settings.clientSecret) : oidc.None();
  let configuration: Promise<oidc.Configuration> | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  function configure(): Promise<oidc.Configuration> {
    configuration ??= (async () => {
      const insecure = isLoopback(preset.issuer) ? { execute: [oidc.allowInsecureRequests] } : {};
      if (preset.kind === 'oidc') {
        const options = { timeout: 10, ...insecure };
        const found = await oidc.discovery(new URL(preset.issuer), settings.clientId, undefined, auth, options);
        // The client metadata is fixed at construction, so the pinned alg needs a configuration of its own.
        const advertised = found.serverMetadata().id_token_signing_alg_values_supported;
        const pinned = { id_token_signed_response_alg: idTokenAlg(advertised) };
        const c = new oidc.Configuration(found.serverMetadata(), settings.clientId, pinned, auth);
        c.timeout = 10;
        if (isLoopback(preset.issuer)) oidc.allowInsecureRequests(c);
        // openid-client trusts TLS for an ID token from the token endpoint; its signature is checked too.
        oidc.enableNonRepudiationChecks(c);
        return c;
      }
      const c = new oidc.Configuration(
        {
          issuer: preset.issuer,
          authorization_endpoint: preset.authorizationEndpoint,
          token_endpoint: preset.tokenEndpoint,
        },
        settings.clientId,
        undefined,
        auth,
      );
      if (isLoopback(preset.issuer)) oidc.allowInsecureRequests(c);
      return c;
    })().catch((err) => {
      configuration = undefined;
      throw translate(settings.name, err);
    });
    return configuration;
  }

  return {
    name: settings.name,
    formPost: preset.kind === 'oidc' && Boolean(preset.formPost),

    async authorizationUrl(): Promise<{ url: string; secrets: FlowSecrets }> {
      const c = await configure();
      const secrets: FlowSecrets = {
        state: oidc.randomState(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
        nonce: preset.kind === 'oidc' ? oidc.randomNonce() : undefined,
      };
      const params: Record<string, string> = {
        redirect_uri: redirectUri,
        scope: preset.scope.join(' '),
        state: secrets.state,
        code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
        code_challenge_method: 'S256',
        ...(secrets.nonce ? { nonce: secrets.nonce } : {}),
        ...(preset.kind === 'oidc' && preset.formPost ? { response_mode: 'form_post' } : {}),
      };
      return { url: oidc.buildAuthorizationUrl(c, params).toString(), secrets };
    },

    /**
     * The profile in an ID token an app got from the provider itself (hasura-auth's `/signin/idtoken`): signed by
     * the provider's keys with the pinned algorithm, its issuer, for our client id, unexpired, and carrying the
     * app's nonce (or its SHA-256, as Apple's) when one is given.
     */
    async idTokenProfile(idToken: string, nonce: string | undefined): Promise<Profile> {
      if (preset.kind !== 'oidc') throw providerLoginFailed(`${settings.name} issues no ID tokens`);
      const c = await configure();
      const meta = c.serverMetadata();
      if (!meta.jwks_uri) throw providerLoginFailed('The provider publishes no keys');
      jwks ??= createRemoteJWKSet(new URL(meta.jwks_uri), { timeoutDuration: 10_000 });
      const alg = c.clientMetadata().id_token_signed_response_alg;
      const { payload } = await jwtVerify(idToken, jwks, {
        issuer: meta.issuer,
        audience: settings.clientId,
        ...(typeof alg === 'string' ? { algorithms: [alg] } : {}),
        requiredClaims: ['sub', 'exp', 'iat'],
      }).catch(() => {
        throw providerLoginFailed('The ID token is not valid for this provider');
      });
      if (
        nonce !== undefined &&
        payload.nonce !== nonce &&
        payload.nonce !== createHash('sha256').update(nonce).digest('hex')
      )
        throw providerLoginFailed('The ID token carries another nonce');
      return profileFromClaims(payload as Record<string, unknown>);
    },

    /** Exchanges the code from the callback URL (or form post) for the person's profile. */
    async profile(callback: URL | Request, secrets: FlowSecrets): Promise<Profile> {
      const c = await configure();
      try {
        const tokens = await oidc.authorizationCodeGrant(
          c,
          callback,
          {
            pkceCodeVerifier: secrets.codeVerifier,
            expectedState: secrets.state,
            ...(secrets.nonce ? { expectedNonce: secrets.nonce } : {}),
          },
          { redirect_uri: redirectUri },
        );
        if (preset.kind === 'oauth2') {
          const get = async (url: string) => {
            const res = await oidc.fetchProtectedResource(c, tokens.access_token, new URL(url), 'GET');
            if (!res.ok) throw providerLoginFailed('The provider did not give the profile');
            return res.json();
          };
          return await preset.profile(get);
        }
        const claims = tokens.claims()!;
        // Some providers put the address only in userinfo.
        const extra =
          claims.email === undefined && c.serverMetadata().userinfo_endpoint
            ? await oidc.fetchUserInfo(c, tokens.access_token, claims.sub)
            : {};
        return profileFromClaims({ ...extra, ...claims });
      } catch (err) {
        throw translate(settings.name, err);
      }
    },
  };
}

export type OAuthClient = ReturnType<typeof createOAuthClient>;
