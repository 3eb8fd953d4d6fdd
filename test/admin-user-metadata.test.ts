import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { bearer, login, PASSWORD } from './helpers/auth.js';

// Issue 29: a user's JSON metadata through the admin API: shown on the user, replaced by PATCH, refused when
// it is not an object or too large, audited by the names of the keys that changed (never their values).

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };

describe.each(DATABASES)('admin user metadata on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET });

  it('shows, replaces and audits metadata; refuses what is not an object or over 16 KiB', async () => {
    const t = get();
    const created = await t.request({
      method: 'POST',
      url: '/admin/users',
      headers: admin,
      payload: { email: 'meta@http.test', password: PASSWORD },
    });
    const id = (created.json() as { id: string }).id;
    const patch = (payload: unknown) =>
      t.request({ method: 'PATCH', url: `/admin/users/${id}`, headers: admin, payload: payload as object });
    expect((await t.request({ url: `/admin/users/${id}`, headers: admin })).json().metadata).toEqual({});

    const saved = await patch({ metadata: { plan: 'free', secret_note: 'do not log me', nested: { a: [1, 2] } } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().metadata).toEqual({ plan: 'free', secret_note: 'do not log me', nested: { a: [1, 2] } });
    expect((await patch({ metadata: { plan: 'team', nested: { a: [1, 2] } } })).statusCode).toBe(200);
    // The same object again changes nothing and writes no entry.
    expect((await patch({ metadata: { plan: 'team', nested: { a: [1, 2] } } })).statusCode).toBe(200);
    for (const metadata of [[1, 2], 'text', null, 42])
      expect((await patch({ metadata })).statusCode, JSON.stringify(metadata)).toBe(400);
    const big = await patch({ metadata: { blob: 'x'.repeat(16_400) } });
    expect(big.statusCode).toBe(400);
    expect(big.json().message).toContain('at most 16384');

    const shown = await t.request({ url: `/admin/users/${id}`, headers: admin });
    expect(shown.json().metadata).toEqual({ plan: 'team', nested: { a: [1, 2] } });
    const session = (await login(t, 'meta@http.test')).json() as { jwt_token: string };
    const own = await t.request({ url: '/auth/user', headers: bearer(session.jwt_token) });
    expect(own.json().metadata).toEqual({ plan: 'team', nested: { a: [1, 2] } });
    const entries = await t.app.services.audit.list({ action: 'user.edit', subject: id, limit: 10 });
    expect(entries.map((e) => e.detail)).toEqual([
      { fields: ['metadata'], metadata_keys: ['plan', 'secret_note'] },
      { fields: ['metadata'], metadata_keys: ['nested', 'plan', 'secret_note'] },
    ]);
    expect(JSON.stringify(entries)).not.toContain('do not log me');
  });
});
