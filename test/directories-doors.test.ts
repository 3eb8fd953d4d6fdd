import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { DOORS, visible } from './helpers/doors.js';
import { person, seedLdif, serviceSettings, useSlapd } from './helpers/slapd.js';

// Directory users sign in through every door, by the one pipeline: username or email, same answers as local users.
const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const UIDS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];

describe.each(DATABASES)('directory users through every door on %s', (db) => {
  const slapd = useSlapd(seedLdif(UIDS.map((uid) => person(uid))));
  const get = useTestApp(db, { ADMIN_SECRET, RATE_LIMIT_ENABLED: 'false' });
  beforeAll(async () => {
    const res = await get().request({
      method: 'PUT',
      url: '/admin/directories/corp',
      headers: { 'x-admin-secret': ADMIN_SECRET },
      payload: { ...serviceSettings(slapd()), default: true },
    });
    expect([200, 201]).toContain(res.statusCode);
  });

  it.each(DOORS.map((d, i) => [d.name, d, UIDS[i]!] as const))(
    '%s: signs in with the directory password, and a wrong one looks like a local wrong one',
    async (_name, door, uid) => {
      const t = get();
      const identifier = door.byUsername ? uid : `${uid}@example.org`;
      const res = await door.login(t, identifier, `${uid}-password`);
      expect(res.statusCode, res.body).toBe(200);
      expect(await door.credential(res)(t)).toBe(200);
      const user = await t.app.services.users.findByEmail(`${uid}@example.org`);
      expect(user).toMatchObject({ realm: 'corp', passwordHash: null });
      const wrong = visible(await door.login(t, identifier, 'not the password'));
      const unknown = visible(
        await door.login(t, door.byUsername ? 'nobody' : 'nobody@example.org', 'not the password'),
      );
      expect(wrong).toEqual(unknown);
      expect(wrong.status).toBe(door.name === 'humhub' ? 400 : 401);
    },
  );

  it('privacyIDEA: the realm field and user@realm pick the directory', async () => {
    const t = get();
    const byField = (
      await t.request({
        method: 'POST',
        url: '/auth',
        payload: { username: 'alice', password: 'alice-password', realm: 'corp' },
      })
    ).json();
    expect(byField.result).toMatchObject({ status: true, value: { realm: 'corp', username: 'alice' } });
    const bySuffix = (
      await t.request({ method: 'POST', url: '/auth', payload: { username: 'alice@corp', password: 'alice-password' } })
    ).json();
    expect(bySuffix.result).toMatchObject({ status: true, value: { realm: 'corp' } });
  });
});
