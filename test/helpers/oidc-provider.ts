import { createServer, type Server } from 'node:http';
// @ts-expect-error -- oidc-provider 8 ships no types; only the constructor and listen() are used.
import Provider from 'oidc-provider';
import { afterAll, beforeAll } from 'vitest';

export const AUDIENCE = 'https://core.example';

/** A real OpenID provider on 127.0.0.1 that issues JWT access tokens by client_credentials. */
export function useProvider() {
  let server: Server | undefined;
  let issuer = '';
  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const provider = new Provider(issuer, {
      clients: ['encoder', 'intruder'].map((id) => ({ client_id: id, client_secret: `${id}-secret`, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] })),
      features: {
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => ({ scope: 'api', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
        },
      },
    });
    server.on('request', provider.callback());
  });
  afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));
  return {
    issuer: () => issuer,
    async token(client: string, resource = AUDIENCE): Promise<string> {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api', resource }).toString(),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    },
  };
}
