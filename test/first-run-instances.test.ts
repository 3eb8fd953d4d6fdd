import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { sha256 } from '../src/core/hash.js';
import { buildTestApp, DATABASES, type TestApp } from './helpers/app.js';
import { PASSWORD, uniqueEmail } from './helpers/auth.js';

// Issue 29: the first-run setup link of a multi-instance deployment. The bug guarded: the link lived in the memory
// of the instance that printed it, so behind a load balancer the setup page answered "invalid link" whenever the
// request reached another instance. Now only its hash is stored, in the shared database; it stays single-use and
// expiring, and two links used at once on two instances make one admin.

const tokenOf = (url: string) => new URL(url).hash.replace(/^#token=/, '');

describe.each(DATABASES)('the setup link across two instances on one %s database', (db) => {
  let a: TestApp;
  let b: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    a = await buildTestApp(db, { SETUP_LINK_MINUTES: '30' });
    // A second instance: the same configuration (the same database), its own process state.
    b = await buildApp(a.config, { clock: a.clock });
    await b.ready();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });
  const setup = (app: typeof b, token: string, password = PASSWORD) =>
    app.inject({
      method: 'POST',
      url: '/setup/admin',
      remoteAddress: '127.0.0.1',
      payload: { token, email: uniqueEmail('admin'), password },
    });
  const state = async (app: typeof b) => (await app.inject({ method: 'GET', url: '/setup' })).json();

  it('works on the other instance, once, and expires; a refused password leaves it usable', async () => {
    const expired = await a.app.services.firstRun.openSetupLink();
    a.clock.advance(31 * 60_000);
    expect((await setup(b, tokenOf(expired!.url))).json().code).toBe('setup-link-invalid');
    expect(await state(b)).toEqual({ open: false, needs_admin: true });

    const link = await a.app.services.firstRun.openSetupLink();
    expect(await state(b)).toEqual({ open: true, needs_admin: true });
    // The database holds the token's SHA-256, never the token.
    const stored = await a.app.services.db.kysely.selectFrom('setup_links').select('hash').execute();
    expect(stored.map((r) => r.hash)).toEqual([sha256(tokenOf(link!.url))]);
    expect((await setup(b, tokenOf(link!.url), 'x')).statusCode).toBe(400);
    expect(await state(b)).toEqual({ open: true, needs_admin: true });
    const done = await setup(b, tokenOf(link!.url));
    expect(done.statusCode).toBe(201);
    const again = await setup(a.app, tokenOf(link!.url));
    expect(again.statusCode).toBe(403);
    expect(again.json().code).toBe('setup-link-invalid');
    expect(await state(a.app)).toEqual({ open: false, needs_admin: false });
    expect(await b.services.firstRun.openSetupLink()).toBeUndefined();
  });
});

describe.each(DATABASES)('two setup links used at once on two instances of one %s database', (db) => {
  let a: TestApp;
  let b: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    a = await buildTestApp(db);
    b = await buildApp(a.config, { clock: a.clock });
    await b.ready();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('makes one admin: the other use is told a setup is in progress, or that the link is spent', async () => {
    const first = await a.app.services.firstRun.openSetupLink();
    const second = await b.services.firstRun.openSetupLink();
    const use = (app: typeof b, url: string) =>
      app.inject({
        method: 'POST',
        url: '/setup/admin',
        remoteAddress: '127.0.0.1',
        payload: { token: tokenOf(url), email: uniqueEmail('race'), password: PASSWORD },
      });
    const answers = await Promise.all([use(a.app, first!.url), use(b, second!.url)]);
    const codes = answers.map((r) => (r.statusCode === 201 ? 'created' : r.json().code)).sort();
    expect([
      ['created', 'setup-in-progress'],
      ['created', 'setup-link-invalid'],
    ]).toContainEqual(codes);
    const users = await a.app.services.users.list({ limit: 10 });
    expect(users.items.filter((u) => u.roles.includes('admin'))).toHaveLength(1);
  });
});
