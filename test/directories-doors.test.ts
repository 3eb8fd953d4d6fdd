import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { DOORS, visible } from './helpers/doors.js';
import { BASE, startSlapd, type Slapd } from './helpers/slapd.js';

// Directory users sign in through every door, by the one pipeline: username or email, same answers as local users.
const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const people = `ou=people,${BASE}`;
const SEED = `dn: ${BASE}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ${people}
objectClass: organizationalUnit
ou: people

dn: cn=gatehouse,${BASE}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: gatehouse
userPassword: service-secret

${['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((uid) => `dn: uid=${uid},${people}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${uid} Example
sn: Example
mail: ${uid}@example.org
userPassword: ${uid}-password
`).join('\n')}`;


describe.each(DATABASES)('directory users through every door on %s', (db) => {
  let slapd: Slapd;
  beforeAll(async () => {
    slapd = await startSlapd(SEED);
  }, 60_000);
  afterAll(() => slapd?.stop());
  const get = useTestApp(db, { ADMIN_SECRET, RATE_LIMIT_ENABLED: 'false' });
  beforeAll(async () => {
    const res = await get().request({
      method: 'PUT',
      url: '/admin/directories/corp',
      headers: { 'x-admin-secret': ADMIN_SECRET },
      payload: { url: slapd.url, bind_dn: `cn=gatehouse,${BASE}`, bind_password: 'service-secret', search_base: people, user_filter: '(&(objectClass=inetOrgPerson)(|(uid={login})(mail={login})))', default: true },
    });
    expect([200, 201]).toContain(res.statusCode);
  });

  it.each(DOORS.map((d, i) => [d.name, d, ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'][i]!] as const))('%s: signs in with the directory password, and a wrong one looks like a local wrong one', async (_name, door, uid) => {
    const t = get();
    const identifier = door.byUsername ? uid : `${uid}@example.org`;
    const res = await door.login(t, identifier, `${uid}-password`);
    expect(res.statusCode, res.body).toBe(200);
    expect(await door.credential(res)(t)).toBe(200);
    const user = await t.app.services.users.findByEmail(`${uid}@example.org`);
    expect(user).toMatchObject({ realm: 'corp', passwordHash: null });
    const wrong = visible(await door.login(t, identifier, 'not the password'));
    const unknown = visible(await door.login(t, door.byUsername ? 'nobody' : 'nobody@example.org', 'not the password'));
    expect(wrong).toEqual(unknown);
    expect(wrong.status).toBe(door.name === 'humhub' ? 400 : 401);
  });

  it('privacyIDEA: the realm field and user@realm pick the directory', async () => {
    const t = get();
    const byField = (await t.request({ method: 'POST', url: '/auth', payload: { username: 'alice', password: 'alice-password', realm: 'corp' } })).json();
    expect(byField.result).toMatchObject({ status: true, value: { realm: 'corp', username: 'alice' } });
    const bySuffix = (await t.request({ method: 'POST', url: '/auth', payload: { username: 'alice@corp', password: 'alice-password' } })).json();
    expect(bySuffix.result).toMatchObject({ status: true, value: { realm: 'corp' } });
  });
});
