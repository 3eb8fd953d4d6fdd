import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { humhubCollection, runFolder } from './harness/newman.js';
import { SERVER_URL, createUser, useServer, type LiveServer } from './harness/server.js';

// newman 6.2.2 running HumHub's own Postman collection (humhub/rest docs/postman), unchanged (see WIRE.md §2).
// The accounts are the ones the collection logs in with.
const COLLECTION_PASSWORD = 'h5pqjdnq';
const ADMIN = 'admin@example.com';
const TESTER = 'test@test.com';

const seeded = new WeakMap<LiveServer, Promise<{ admin: { id: string }; tester: { id: string } }>>();
/** The collection's two accounts, created once per server. */
function seedCollectionUsers(live: LiveServer) {
  if (!seeded.has(live)) {
    seeded.set(
      live,
      (async () => ({
        admin: await createUser(live, {
          email: ADMIN,
          password: COLLECTION_PASSWORD,
          roles: ['user', 'admin'],
          username: 'admin',
        }),
        tester: await createUser(live, { email: TESTER, password: COLLECTION_PASSWORD, username: 'tester' }),
      }))(),
    );
  }
  return seeded.get(live)!;
}

const current = (live: LiveServer, authorization: string) =>
  fetch(`${live.url}/api/v1/auth/current`, { headers: { authorization } });

describe.each(DATABASES)('HumHub Postman collection through newman on %s', (db) => {
  const server = useServer(db);

  it('runs the Auth folder: both logins succeed, their test scripts store the tokens, and the tokens work', async () => {
    const live = server();
    const { admin, tester } = await seedCollectionUsers(live);
    const summary = await runFolder(humhubCollection(), 'Auth', `${live.url}/api/v1`);
    expect(summary.run.failures.map((f) => `${f.source?.name}: ${f.error.message}`)).toEqual([]);
    expect(summary.run.executions.map((e) => [e.item.name, e.response?.code])).toEqual([
      ['Admin login', 200],
      ['Tester login', 200],
    ]);
    // The collection's inherited Basic auth (a user "Admin" that does not exist) rode along and was ignored, as HumHub does.
    expect(summary.run.executions[0]!.request.headers.toJSON()).toContainEqual(
      expect.objectContaining({ key: 'Authorization', value: expect.stringMatching(/^Basic /) }),
    );
    expect(summary.env.AUTHORIZATION_ADMIN).toMatch(/^Bearer ey/);
    expect(summary.env.AUTHORIZATION_TEST).toMatch(/^Bearer ey/);
    expect(await (await current(live, summary.env.AUTHORIZATION_ADMIN!)).json()).toMatchObject({
      guid: admin.id,
      account: { email: ADMIN },
    });
    expect(await (await current(live, summary.env.AUTHORIZATION_TEST!)).json()).toMatchObject({
      guid: tester.id,
      account: { email: TESTER },
    });
  });

  it('answers /auth/current with integer ids, the username and the profile fields HumHub clients read', async () => {
    const live = server();
    const { admin } = await seedCollectionUsers(live);
    const summary = await runFolder(humhubCollection(), 'Auth', `${live.url}/api/v1`);
    const me = await (await current(live, summary.env.AUTHORIZATION_ADMIN!)).json();
    expect(me).toMatchObject({
      id: expect.any(Number),
      guid: admin.id,
      account: { username: 'admin', email: ADMIN, status: 1, visibility: expect.any(Number) },
    });
    expect(me.account.id).toBe(me.id);
    expect(me.account.language).toEqual(expect.any(String));
    expect(me.account.time_zone).toMatch(/\S/);
    expect(me.profile.image_url).toMatch(new RegExp(`^${SERVER_URL}/`));
    expect(me.profile.banner_url).toMatch(new RegExp(`^${SERVER_URL}/`));
  });

  it('logs in by username with the collection’s own login request', async () => {
    const live = server();
    await seedCollectionUsers(live);
    // The collection's "Admin login" request, with the form field set to the account's username instead of its email.
    const collection = humhubCollection();
    const auth = collection.item.find((i) => i.name === 'Auth') as {
      item: { request: { body: { formdata: { key: string; value: string }[] } } }[];
    };
    auth.item[0]!.request.body.formdata.find((f) => f.key === 'username')!.value = 'ADMIN';
    const summary = await runFolder(collection, 'Auth', `${live.url}/api/v1`);
    expect(summary.run.failures).toEqual([]);
    expect(summary.env.AUTHORIZATION_ADMIN).toMatch(/^Bearer ey/);
  });

  it('impersonates by integer userId with the admin token the collection stored', async () => {
    const live = server();
    await seedCollectionUsers(live);
    const summary = await runFolder(humhubCollection(), 'Auth', `${live.url}/api/v1`);
    const tester = await (await current(live, summary.env.AUTHORIZATION_TEST!)).json();
    const res = await fetch(`${live.url}/api/v1/auth/impersonate`, {
      method: 'POST',
      headers: { authorization: summary.env.AUTHORIZATION_ADMIN!, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: tester.id }),
    });
    expect(res.status).toBe(200);
    const { token } = await res.json();
    expect(await (await current(live, `Impersonate ${token}`)).json()).toMatchObject({
      id: tester.id,
      account: { email: TESTER },
    });
  });
});
