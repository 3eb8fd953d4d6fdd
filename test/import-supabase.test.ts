import { createCipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hash as bcrypt } from '@node-rs/bcrypt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt, newSecret } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/postgres.js';
import { hbpLogin, humhubLogin, importWith, importWithEnv, ok, storedHash } from './helpers/import.js';

const SCHEMA = path.join(import.meta.dirname, 'fixtures/import/supabase-schema.sql');

/** GoTrue's 256-bit column key as its configuration holds it: base64url without padding. */
const KEY = randomBytes(32).toString('base64url');
const KEY_ID = 'key-2024';

/**
 * A secret encrypted as GoTrue's crypto.NewEncryptedString does for `SetSecret(..., encrypt=true)`: AES-256-GCM
 * under HKDF-SHA256(key, salt none, info = the factor's id), a random 12-byte nonce, and the JSON of its
 * EncryptedString struct (Go marshals []byte as standard base64).
 */
function gotrueEncrypt(rowId: string, secret: string, key = KEY, keyId = KEY_ID): string {
  const derived = Buffer.from(hkdfSync('sha256', Buffer.from(key, 'base64url'), Buffer.alloc(0), rowId, 32));
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derived, nonce);
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return JSON.stringify({
    key_id: keyId,
    alg: 'aes-gcm-hkdf',
    data: data.toString('base64'),
    nonce: nonce.toString('base64'),
  });
}

/** A Supabase Auth database with rows as GoTrue writes them. */
async function supabaseDatabase() {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(await readFile(SCHEMA, 'utf8'));
  const sam = { id: randomUUID(), secret: newSecret() };
  const zoe = { id: randomUUID() };
  // Ena's factor was enrolled with GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT on; Oli's with a key nobody gave.
  const ena = { id: randomUUID(), factor: randomUUID(), secret: newSecret() };
  const oli = { id: randomUUID(), factor: randomUUID(), secret: newSecret() };
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
  for (const [u, email] of [
    [ena, 'ena@example.org'],
    [oli, 'oli@example.org'],
  ] as const)
    await client.query(insert, [u.id, email, await bcrypt(`${email} password`, 4), new Date(), {}, {}, null]);
  const factor = `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at,
      secret) values ($1, $2, 'phone app', 'totp', 'verified', now(), now(), $3)`;
  await client.query(factor, [ena.factor, ena.id, gotrueEncrypt(ena.factor, ena.secret)]);
  const otherKey = randomBytes(32).toString('base64url');
  await client.query(factor, [oli.factor, oli.id, gotrueEncrypt(oli.factor, oli.secret, otherKey, 'old-key')]);
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
  return { ...db, sam, zoe, ena, oli };
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
    expect(first.counts).toMatchObject({ read: 4, created: 4, conflicts: 0, unverifiable: 0 });
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
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
  }, 120_000);

  it('decrypts TOTP secrets GoTrue encrypted at rest with the operator-given keys, and reports the others', async () => {
    const t = app();
    const { ena, oli } = source;
    // Without the keys, the encrypted factors are reported and left behind.
    const without = await importWith(t, 'supabase', source.url, '--dry-run');
    expect(without.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining(`${ena.factor} is encrypted (encrypted with key ${KEY_ID}`)]),
    );
    const summary = await importWithEnv(
      t,
      {
        GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID: KEY_ID,
        GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY: KEY,
        // A wrong key under Oli's key id: GCM's tag refuses it, nothing half-decrypted comes over.
        GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS: `${KEY_ID}:${KEY},old-key:${randomBytes(32).toString('base64url')}`,
      },
      'supabase',
      source.url,
    );
    expect(summary.warnings).toEqual([
      expect.stringContaining(`${oli.factor} is encrypted (does not open with key old-key)`),
    ]);
    expect(await t.app.services.users.get(ena.id)).toMatchObject({ mfaEnabled: true });
    expect(await t.app.services.users.get(oli.id)).toMatchObject({ mfaEnabled: false });

    t.clock.advance(Date.now() - t.clock.now().getTime());
    const code = codeAt(ena.secret, t.clock.now().getTime());
    ok(await hbpLogin(t, 'ena@example.org', 'ena@example.org password', code));
    // A wrong code is still refused: the seed is the one the authenticator app holds, not a stand-in.
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect((await hbpLogin(t, 'ena@example.org', 'ena@example.org password', wrong)).statusCode).not.toBe(200);
  }, 120_000);
});
