import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hash as bcrypt } from '@node-rs/bcrypt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt, newSecret } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/postgres.js';
import { cli } from './helpers/cli.js';
import { cliEnvOf, hbpLogin, humhubLogin, importWith, ok, storedHash } from './helpers/import.js';

const SCHEMA = path.join(import.meta.dirname, 'fixtures/import/hbp-schema.sql');

/** An HBP database as hasura-backend-plus leaves it: its own schema, rows as its routes write them. */
async function hbpDatabase() {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(await readFile(SCHEMA, 'utf8'));
  const people = {
    ada: { id: randomUUID(), account: randomUUID(), secret: newSecret(), refresh: randomUUID() },
    bob: { id: randomUUID(), account: randomUUID() },
  };
  const add = async (
    p: { id: string; account: string; secret?: string },
    email: string | null,
    password: string | null,
    extra: { mfa?: boolean; anonymous?: boolean; role?: string } = {},
  ) => {
    await client.query('insert into public.users (id, display_name, avatar_url) values ($1, $2, $3)', [
      p.id,
      email ? email.split('@')[0] : null,
      'https://example.org/a.png',
    ]);
    await client.query(
      `insert into auth.accounts (id, user_id, active, email, password_hash, default_role, is_anonymous,
         custom_register_data, otp_secret, mfa_enabled) values ($1, $2, true, $3, $4, $5, $6, $7, $8, $9)`,
      [
        p.account,
        p.id,
        email,
        password && (await bcrypt(password, 10)),
        extra.role ?? 'user',
        extra.anonymous ?? false,
        { plan: 'gold' },
        p.secret ?? null,
        extra.mfa ?? false,
      ],
    );
    await client.query('insert into auth.account_roles (account_id, role) values ($1, $2), ($1, $3)', [
      p.account,
      'user',
      'me',
    ]);
  };
  await add(people.ada, 'Ada@Example.org', 'ada old password', { mfa: true });
  await add(people.bob, 'bob@example.org', 'bob old password');
  await add({ id: randomUUID(), account: randomUUID() }, null, null, { anonymous: true });
  await client.query(
    "insert into auth.account_providers (account_id, auth_provider, auth_provider_unique_id) values ($1, 'github', '4242')",
    [people.ada.account],
  );
  await client.query(
    "insert into auth.refresh_tokens (refresh_token, expires_at, account_id) values ($1, now() + interval '30 days', $2)",
    [people.ada.refresh, people.ada.account],
  );
  // An expired token stays behind.
  await client.query(
    "insert into auth.refresh_tokens (refresh_token, expires_at, account_id) values ($1, now() - interval '1 day', $2)",
    [randomUUID(), people.bob.account],
  );
  await client.end();
  return { ...db, people };
}

describe.each(DATABASES)('gatehouse import hbp on %s', (db) => {
  const app = useTestApp(db);
  let source: Awaited<ReturnType<typeof hbpDatabase>>;
  beforeAll(async () => {
    source = await hbpDatabase();
  }, 60_000);
  afterAll(() => source?.drop());

  it('keeps ids, roles, hashes, TOTP, links and live refresh tokens; a second run changes nothing', async () => {
    const t = app();
    const { ada, bob } = source.people;
    const first = await importWith(t, 'hbp', source.url);
    expect(first.counts).toMatchObject({ read: 3, created: 2, skippedRows: 1, conflicts: 0, unverifiable: 0 });
    expect(first.counts.sessions).toBe(1);
    const audited = await t.app.services.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'user.import')
      .execute();
    expect(audited).toEqual([expect.objectContaining({ actor: 'cli', outcome: 'success' })]);

    const user = await t.app.services.users.get(ada.id);
    expect(user).toMatchObject({ email: 'ada@example.org', displayName: 'Ada', defaultRole: 'user', mfaEnabled: true });
    expect(user!.roles).toEqual(['me', 'user']);
    expect(user!.metadata).toEqual({ plan: 'gold' });

    // The refresh token a client held before the switch rotates.
    const refreshed = ok(await t.request({ url: `/auth/token/refresh?refresh_token=${ada.refresh}` }));
    expect(refreshed.json().refresh_token).not.toBe(ada.refresh);

    // The old password and the old TOTP seed sign in, and the bcrypt hash becomes argon2id.
    expect(await storedHash(t, 'bob@example.org')).toMatch(/^\$2[aby]\$/);
    ok(await hbpLogin(t, 'bob@example.org', 'bob old password'));
    expect(await storedHash(t, 'bob@example.org')).toMatch(/^\$argon2id\$/);
    ok(await humhubLogin(t, 'bob@example.org', 'bob old password'));
    t.clock.advanceSeconds(30);
    ok(await hbpLogin(t, 'ada@example.org', 'ada old password', codeAt(ada.secret, t.clock.now().getTime())));
    expect(await storedHash(t, 'ada@example.org')).toMatch(/^\$argon2id\$/);
    expect((await hbpLogin(t, 'ada@example.org', 'wrong password', '000000')).statusCode).toBe(401);

    const again = await importWith(t, 'hbp', source.url);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2, conflicts: 0 });
    // The upgraded hash is newer than the imported one: a re-run keeps it.
    expect(await storedHash(t, 'bob@example.org')).toMatch(/^\$argon2id\$/);

    // A change in the source: left alone with skip, written with update (the default), refused with fail.
    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    await client.query("update public.users set display_name = 'Robert' where id = $1", [bob.id]);
    await client.end();
    expect((await importWith(t, 'hbp', source.url, '--on-conflict', 'skip')).counts).toMatchObject({ skipped: 1 });
    expect((await t.app.services.users.get(bob.id))!.displayName).toBe('bob');
    const failed = await cli(['import', 'hbp', '--from', source.url, '--on-conflict', 'fail'], cliEnvOf(t));
    expect(failed.stderr).toMatch(/bob@example.org: already imported, and changed since/);
    expect((await importWith(t, 'hbp', source.url)).counts).toMatchObject({ updated: 1, unchanged: 1 });
    expect((await t.app.services.users.get(bob.id))!.displayName).toBe('Robert');
    expect(await storedHash(t, 'bob@example.org')).toMatch(/^\$argon2id\$/);
  }, 120_000);

  it('reports without writing on --dry-run, and names an email another account holds', async () => {
    const t = app();
    await t.app.services.users.create({
      email: 'carol@example.org',
      password: 'a local passphrase 1',
      roles: ['user'],
      defaultRole: 'user',
      active: true,
    });
    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    const id = randomUUID();
    await client.query('insert into public.users (id) values ($1)', [id]);
    await client.query("insert into auth.accounts (user_id, active, email) values ($1, true, 'carol@example.org')", [
      id,
    ]);
    await client.end();
    const dry = await importWith(t, 'hbp', source.url, '--dry-run');
    expect(dry.dryRun).toBe(true);
    expect(dry.counts).toMatchObject({ created: 0, conflicts: 1 });
    expect(dry.conflicts).toEqual([expect.objectContaining({ email: 'carol@example.org', reason: 'email-taken' })]);
    expect(await t.app.services.users.get(id)).toBeUndefined();
    const failed = await cli(['import', 'hbp', '--from', source.url, '--on-conflict', 'fail'], cliEnvOf(t));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/carol@example.org: email-taken/);
  }, 120_000);
});
