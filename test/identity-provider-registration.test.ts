import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { oidc, relyingParty, useIdp } from './helpers/idp.js';

const TOKEN = 'initial-access-token-of-32-characters-or-more';

describe.each(DATABASES)('dynamic client registration on %s', (db) => {
  const idp = useIdp(db, () => ({ OIDC_REGISTRATION_TOKEN: TOKEN }));
  const register = (initialAccessToken?: string) =>
    oidc.dynamicClientRegistration(
      new URL(idp.server()),
      { client_name: 'Registered', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
      undefined,
      { initialAccessToken, execute: [oidc.allowInsecureRequests] },
    );

  it('registers a client that presents the initial access token; its secret is kept as a hash', async () => {
    const config = await register(TOKEN);
    const { client_id: id, client_secret: secret } = config.clientMetadata();
    expect(typeof secret).toBe('string');
    const rp = await relyingParty(idp.server(), { id, secret: secret as string });
    expect((await oidc.clientCredentialsGrant(rp, {})).access_token).toBeTruthy();
    const row = await idp.app().app.services.queries.oidcClients.find(id);
    expect(row?.trusted).toBe(false);
    expect(JSON.stringify(row)).not.toContain(secret as string);
  });

  it('refuses a registration without the token, or with another', async () => {
    await expect(register()).rejects.toThrow();
    await expect(register('a-wrong-token-that-is-long-enough-honestly')).rejects.toThrow();
  });
});
