import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
// @ts-expect-error -- oidc-provider 8 ships no types; only the constructor and callback() are used.
import Provider from 'oidc-provider';
import { afterAll, beforeAll } from 'vitest';

export const AUDIENCE = 'https://core.example';
/** The sign-in client Gatehouse is registered as (AUTH_PROVIDER_<NAME>_CLIENT_ID / _CLIENT_SECRET). */
export const SIGN_IN_CLIENT = { id: 'gatehouse', secret: 'gatehouse-client-secret' };

export interface ProviderOptions {
  /**
   * Where the sign-in client may send people back (Gatehouse's `/auth/providers/<name>/callback`).
   * Read at the provider's first request, so a suite may name a server that starts after it.
   */
  redirectUris?: () => string[];
  /**
   * `foreign`: the JWKS document publishes other keys under the same key ids, so every token the provider
   * signs (its ID tokens included) is signed by a key not in its JWKS: a forged token, as a relying party sees it.
   */
  jwks?: 'own' | 'foreign';
  /** The alg the sign-in client's ID tokens are signed with (RS256 by default). */
  idTokenAlg?: string;
}

/** Its JWKS with each key's material replaced by a fresh key of the same type, id and alg. */
async function foreignJwks(issuer: string) {
  const own = (await (await fetch(`${issuer}/jwks`, { headers: { 'x-own-jwks': '1' } })).json()) as {
    keys: Record<string, string>[];
  };
  const keys = own.keys.map((k) => {
    const curves: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
    const { publicKey } =
      k.kty === 'RSA'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : k.kty === 'EC'
          ? generateKeyPairSync('ec', { namedCurve: curves[k.crv!]! })
          : generateKeyPairSync('ed25519');
    return { ...publicKey.export({ format: 'jwk' }), kid: k.kid, use: k.use, alg: k.alg };
  });
  return JSON.stringify({ keys });
}

/**
 * The claims of an account: anyone may sign in under any name at the development login page;
 * `<name>~<domain>` is `name@domain` (example.net by default), verified unless the name starts
 * with "unverified", and named "Person <name>".
 */
function claimsOf(id: string) {
  const [name, domain = 'example.net'] = id.split('~');
  return {
    sub: id,
    email: `${name}@${domain}`,
    email_verified: !name!.startsWith('unverified'),
    name: `Person ${name}`,
  };
}

function createProvider(issuer: string, redirectUris: string[], idTokenAlg = 'RS256') {
  const machines = ['encoder', 'intruder'].map((id) => ({
    client_id: id,
    client_secret: `${id}-secret`,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
  }));
  const signIn = redirectUris.length
    ? [
        {
          client_id: SIGN_IN_CLIENT.id,
          client_secret: SIGN_IN_CLIENT.secret,
          token_endpoint_auth_method: 'client_secret_post',
          redirect_uris: redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          id_token_signed_response_alg: idTokenAlg,
        },
      ]
    : [];
  return new Provider(issuer, {
    clients: [...machines, ...signIn],
    cookies: { keys: ['oidc-provider test cookie key'] },
    // HS256 must be switched on to sign with it; the metadata then advertises it beside RS256.
    enabledJWA: { idTokenSigningAlgValues: [...new Set(['RS256', idTokenAlg])] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => claimsOf(id) }),
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'api',
          audience: resource,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
}

/**
 * A real OpenID provider on 127.0.0.1 (oidc-provider with its development login pages): JWT access
 * tokens by client_credentials for the machine clients, and, with `redirectUris`, the
 * authorization-code sign-in of the `gatehouse` client.
 */
export function useProvider(options: ProviderOptions = {}) {
  let server: Server | undefined;
  let issuer = '';
  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    let forged: Promise<string> | undefined;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      handle ??= createProvider(issuer, options.redirectUris?.() ?? [], options.idTokenAlg).callback();
      // Gatehouse's own fetch of /jwks gets the foreign keys; the helper's fetch of them carries a marker header.
      if (options.jwks === 'foreign' && req.url === '/jwks' && !req.headers['x-own-jwks']) {
        forged ??= foreignJwks(issuer);
        void forged.then((body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
        return;
      }
      handle!(req, res);
    });
  });
  afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));
  return {
    issuer: () => issuer,
    async token(client: string, resource = AUDIENCE): Promise<string> {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api', resource }).toString(),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    },
  };
}

/**
 * A browser at the provider without a browser: a cookie jar, redirects followed, the login (as
 * `account`) and consent forms filled in, until a redirect leaves for `returnTo`; that URL is returned.
 */
export async function throughProvider(authorizationUrl: string, account: string, returnTo: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let form: Record<string, string> | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(returnTo)) return url;
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      jar.set(k!, v ?? '');
    }
    form = undefined;
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).toString();
      continue;
    }
    const html = await res.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (res.status !== 200 || !prompt)
      throw new Error(`unexpected page at ${url}: ${res.status} ${html.slice(0, 300)}`);
    form = prompt === 'login' ? { prompt, login: account, password: 'anything' } : { prompt };
  }
  throw new Error('too many redirects');
}
