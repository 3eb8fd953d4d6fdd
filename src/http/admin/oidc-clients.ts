import { Type, type Static } from '@sinclair/typebox';
import type { OidcClient, OidcClientInput } from '../../core/oidc/clients.js';
import type { Services } from '../../services.js';
import { actorOf } from '../client.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';

const Uris = Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 50 });
const GrantType = Type.Union([
  Type.Literal('authorization_code'),
  Type.Literal('refresh_token'),
  Type.Literal('client_credentials'),
  Type.Literal('urn:ietf:params:oauth:grant-type:device_code'),
]);
const Settings = Type.Object({
  client_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._~-]{3,64}$' })),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  public: Type.Optional(Type.Boolean({ description: 'No secret; PKCE is required (SPAs, mobile apps, CLIs)' })),
  token_endpoint_auth_method: Type.Optional(
    Type.Union([Type.Literal('client_secret_basic'), Type.Literal('client_secret_post')]),
  ),
  redirect_uris: Uris,
  post_logout_redirect_uris: Type.Optional(Uris),
  grant_types: Type.Optional(Type.Array(GrantType, { minItems: 1, maxItems: 4 })),
  allowed_roles: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })),
  trusted: Type.Optional(Type.Boolean({ description: 'A first-party client: no consent screen' })),
  backchannel_logout_uri: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
});
const Client = Type.Object({
  client_id: Type.String(),
  name: Type.String(),
  public: Type.Boolean(),
  token_endpoint_auth_method: Type.String(),
  redirect_uris: Type.Array(Type.String()),
  post_logout_redirect_uris: Type.Array(Type.String()),
  grant_types: Type.Array(Type.String()),
  allowed_roles: Type.Array(Type.String()),
  trusted: Type.Boolean(),
  backchannel_logout_uri: Type.Union([Type.String(), Type.Null()]),
  read_only: Type.Boolean({ description: 'From OIDC_CLIENTS_FILE' }),
  created_at: Type.String(),
});
const WithSecret = Type.Object({
  client: Client,
  client_secret: Type.Optional(Type.String({ description: 'Shown this once; only its hash is kept' })),
});
const Params = Type.Object({ clientId: Type.String({ maxLength: 64 }) });

const present = (c: OidcClient): Static<typeof Client> => ({
  client_id: c.clientId,
  name: c.name,
  public: !c.confidential,
  token_endpoint_auth_method: c.authMethod,
  redirect_uris: c.redirectUris,
  post_logout_redirect_uris: c.postLogoutRedirectUris,
  grant_types: c.grantTypes,
  allowed_roles: c.allowedRoles,
  trusted: c.trusted,
  backchannel_logout_uri: c.backchannelLogoutUri,
  read_only: c.readOnly,
  created_at: c.createdAt.toISOString(),
});

const input = (b: Static<typeof Settings>): OidcClientInput => ({
  clientId: b.client_id,
  name: b.name,
  public: b.public,
  authMethod: b.token_endpoint_auth_method,
  redirectUris: b.redirect_uris,
  postLogoutRedirectUris: b.post_logout_redirect_uris,
  grantTypes: b.grant_types,
  allowedRoles: b.allowed_roles,
  trusted: b.trusted,
  backchannelLogoutUri: b.backchannel_logout_uri,
});

const withSecret = (r: { client: OidcClient; secret?: string }) => ({
  client: present(r.client),
  ...(r.secret ? { client_secret: r.secret } : {}),
});

/** /admin/oidc/clients: the relying parties of the OpenID Connect provider. */
export function registerOidcClientRoutes(app: App, s: Services): void {
  const tags = ['admin', 'oidc'];
  const clients = s.oidc.clients;
  app.get(
    '/oidc/clients',
    { schema: { tags, response: responses({ 200: Type.Object({ clients: Type.Array(Client) }) }, 401, 403) } },
    async () => ({ clients: (await clients.list()).map(present) }),
  );
  app.get(
    '/oidc/clients/:clientId',
    { schema: { tags, params: Params, response: responses({ 200: Client }, 401, 403, 404) } },
    async (request) => present(await clients.get(request.params.clientId)),
  );
  app.post(
    '/oidc/clients',
    {
      schema: {
        tags,
        summary: 'Register a client; a confidential one gets its secret in this answer only',
        body: Settings,
        response: responses({ 201: WithSecret }, 400, 401, 403, 409),
      },
    },
    async (request, reply) =>
      reply.code(201).send(withSecret(await clients.create(input(request.body), actorOf(request)))),
  );
  app.put(
    '/oidc/clients/:clientId',
    {
      schema: {
        tags,
        params: Params,
        body: Settings,
        response: responses({ 200: WithSecret }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => withSecret(await clients.update(request.params.clientId, input(request.body), actorOf(request))),
  );
  app.post(
    '/oidc/clients/:clientId/secret',
    {
      schema: {
        tags,
        summary: 'A new secret, shown once; the old one stops working at once',
        params: Params,
        response: responses({ 200: WithSecret }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => withSecret(await clients.rotateSecret(request.params.clientId, actorOf(request))),
  );
  app.delete(
    '/oidc/clients/:clientId',
    { schema: { tags, params: Params, response: responses({ 204: NoContent }, 401, 403, 404, 409) } },
    async (request, reply) => {
      await clients.remove(request.params.clientId, actorOf(request));
      return reply.code(204).send();
    },
  );
}
