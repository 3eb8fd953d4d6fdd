import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hash as bcrypt } from '@node-rs/bcrypt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt, newSecret } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/postgres.js';
import { hbpLogin, humhubLogin, importWith, ok, storedHash } from './helpers/import.js';

const SCHEMA = path.join(import.meta.dirname, 'fixtures/import/supabase-schema.sql');

/** A Supabase Auth database with rows as GoTrue writes them. */
async function supabaseDatabase() {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(await readFile(SCHEMA, 'utf8'));
  const sam = { id: randomUUID(), secret: newSecret() };
  const zoe = { id: randomUUID() };
  const insert = `insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data,
      raw_user_meta_data, banned_until, created_at, updated_at) values ($1, 'authenticated', 'authenticated', $2, $3, $4,
      $5, $6, $7, now(), now())`;
  await client.query(insert, [
    sam.id,
    'sam@example.org',
    await bcrypt('sam old password', 10),
    new Date(),
    { provider: 'email', providers: ['email', 'github'] },
    { full_name: 'Sam Supa', avatar_url: 'https://example.org/sam.png' },
    null,
  ]);
  await client.query(insert, [
    zoe.id,
    'zoe@example.org',
    await bcrypt('zoe old password', 10),
    null,
    {},
    {},
    new Date(Date.now() + 86_400_000 * 365),
  ]);
  await client.query(
    `insert into auth.identities (provider_id, user_id, identity_data, provider) values
      ($1::text, $1::uuid, $2, 'email'), ('4711', $1::uuid, '{"email":"sam@example.org"}', 'github')`,
    [sam.id, { sub: sam.id, email: 'sam@example.org' }],
  );
  await client.query(
    `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
     values ($1, $2, 'phone app', 'totp', 'verified', now(), now(), $3)`,
    [randomUUID(), sam.id, sam.secret],
  );
  await client.end();
  return { ...db, sam, zoe };
}

describe.each(DATABASES)('gatehouse import supabase on %s', (db) => {
  const app = useTestApp(db);
  let source: Awaited<ReturnType<typeof supabaseDatabase>>;
  beforeAll(async () => {
    source = await supabaseDatabase();
  }, 60_000);
  afterAll(() => source?.drop());

  it('keeps ids, confirmation, metadata, bcrypt hashes, bans, provider links and TOTP factors', async () => {
    const t = app();
    const { sam, zoe } = source;
    const first = await importWith(t, 'supabase', source.url);
    expect(first.counts).toMatchObject({ read: 2, created: 2, conflicts: 0, unverifiable: 0 });
    expect(await t.app.services.users.get(sam.id)).toMatchObject({
      email: 'sam@example.org',
      displayName: 'Sam Supa',
      emailVerified: true,
      mfaEnabled: true,
      metadata: { full_name: 'Sam Supa', avatar_url: 'https://example.org/sam.png' },
    });
    expect(await t.app.services.users.get(zoe.id)).toMatchObject({
      emailVerified: false,
      bannedUntil: expect.any(Date),
    });
    expect(await t.app.services.queries.userIdentities.find('github', '4711')).toMatchObject({ userId: sam.id });

    t.clock.advance(Date.now() - t.clock.now().getTime());
    ok(await hbpLogin(t, 'sam@example.org', 'sam old password', codeAt(sam.secret, t.clock.now().getTime())));
    expect(await storedHash(t, 'sam@example.org')).toMatch(/^\$argon2id\$/);
    // A banned account stays shut, whatever the password.
    expect((await humhubLogin(t, 'zoe@example.org', 'zoe old password')).statusCode).not.toBe(200);

    const again = await importWith(t, 'supabase', source.url);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
  }, 120_000);
});
