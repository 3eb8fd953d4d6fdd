import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { useIdp } from './helpers/idp.js';

const TOKEN = 'initial-access-token-of-32-characters-or-more';

describe.each(DATABASES)('dynamic registration under attack on %s', (db) => {
  const idp = useIdp(db, () => ({ OIDC_REGISTRATION_TOKEN: TOKEN }));
  const post = (url: string, body: unknown, token: string, method = 'POST') =>
    fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** A code-flow client registered with the initial access token, plus `extra` metadata. */
  async function registered(extra: Record<string, unknown> = {}) {
    const res = await post(`${idp.server()}/oidc/reg`, { redirect_uris: ['http://rp.test/callback'], ...extra }, TOKEN);
    const body = (await res.json()) as Record<string, unknown>;
    return { res, body, id: String(body.client_id), uri: String(body.registration_client_uri) };
  }

  // Bug: a registration Gatehouse's own checks refuse (and oidc-provider's do not) answered 500 server_error.
  it('refuses a public client_credentials client with invalid_client_metadata, at registration and update', async () => {
    const cc = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
    const created = await post(`${idp.server()}/oidc/reg`, { ...cc, token_endpoint_auth_method: 'none' }, TOKEN);
    expect(created.status).toBe(400);
    expect(((await created.json()) as { error: string }).error).toBe('invalid_client_metadata');
    const { id, uri, body } = await registered();
    const update = { client_id: id, ...cc, token_endpoint_auth_method: 'none' };
    const updated = await post(uri, update, String(body.registration_access_token), 'PUT');
    expect(updated.status).toBe(400);
    expect(((await updated.json()) as { error: string }).error).toBe('invalid_client_metadata');
  });
});
