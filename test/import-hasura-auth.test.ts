import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hash as bcrypt } from '@node-rs/bcrypt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt, newSecret } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/postgres.js';
import { hbpLogin, importWith, ok, rocketchatLogin, storedHash } from './helpers/import.js';

const SCHEMA = path.join(import.meta.dirname, 'fixtures/import/hasura-auth-schema.sql');

/** A hasura-auth database, rows as its handlers write them (the refresh token kept only as `\x` + SHA-256 hex). */
async function hasuraAuthDatabase() {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(await readFile(SCHEMA, 'utf8'));
  const mia = { id: randomUUID(), secret: newSecret(), refresh: randomUUID(), key: randomBytes(77) };
  const ned = { id: randomUUID() };
  await client.query(
    `insert into auth.users (id, display_name, avatar_url, locale, email, password_hash, email_verified, default_role,
       totp_secret, active_mfa_type, metadata) values ($1, 'Mia', '', 'fr', 'mia@example.org', $2, true, 'user', $3, 'totp', $4)`,
    [mia.id, await bcrypt('mia old password', 10), mia.secret, { team: 'blue' }],
  );
  await client.query(
    `insert into auth.users (id, locale, email, password_hash, disabled, default_role)
     values ($1, 'en', 'ned@example.org', $2, true, 'editor')`,
    [ned.id, await bcrypt('ned old password', 10)],
  );
  await client.query("insert into auth.users (locale, is_anonymous) values ('en', true)");
  await client.query("insert into auth.user_roles (user_id, role) values ($1, 'user'), ($1, 'me'), ($2, 'editor')", [
    mia.id,
    ned.id,
  ]);
  await client.query(
    "insert into auth.user_providers (user_id, access_token, provider_id, provider_user_id) values ($1, 'x', 'github', '99')",
    [mia.id],
  );
  const hash = `\\x${createHash('sha256').update(mia.refresh).digest('hex')}`;
  await client.query(
    "insert into auth.refresh_tokens (user_id, expires_at, refresh_token_hash) values ($1, now() + interval '30 days', $2)",
    [mia.id, hash],
  );
  await client.query(
    "insert into auth.refresh_tokens (user_id, expires_at, type, refresh_token_hash) values ($1, now() + interval '1 year', 'pat', 'x')",
    [mia.id],
  );
  await client.query(
    `insert into auth.user_security_keys (user_id, credential_id, credential_public_key, counter, transports, nickname)
     values ($1, 'Y3JlZGVudGlhbA', $2, 7, 'usb,nfc', 'YubiKey')`,
    [mia.id, mia.key],
  );
  await client.end();
  return { ...db, mia, ned };
}

describe.each(DATABASES)('gatehouse import hasura-auth on %s', (db) => {
  const app = useTestApp(db);
  let source: Awaited<ReturnType<typeof hasuraAuthDatabase>>;
  beforeAll(async () => {
    source = await hasuraAuthDatabase();
  }, 60_000);
  afterAll(() => source?.drop());

  it('keeps ids, metadata, locale, disabled, TOTP, security keys and hashed refresh tokens', async () => {
    const t = app();
    const { mia, ned } = source;
    const first = await importWith(t, 'hasura-auth', source.url);
    expect(first.counts).toMatchObject({ read: 3, created: 2, skippedRows: 1, sessions: 1 });

    expect(await t.app.services.users.get(mia.id)).toMatchObject({
      email: 'mia@example.org',
      displayName: 'Mia',
      locale: 'fr',
      metadata: { team: 'blue' },
      emailVerified: true,
      mfaEnabled: true,
      roles: ['me', 'user'],
    });
    expect(await t.app.services.users.get(ned.id)).toMatchObject({ disabled: true, defaultRole: 'editor' });
    const keys = await t.app.services.db.kysely.selectFrom('imported_security_keys').selectAll().execute();
    expect(keys).toEqual([
      expect.objectContaining({
        user_id: mia.id,
        credential_id: 'Y3JlZGVudGlhbA',
        public_key: mia.key.toString('base64url'),
      }),
    ]);

    // The refresh token hasura-auth only kept the SHA-256 of still rotates.
    ok(await t.request({ url: `/auth/token/refresh?refresh_token=${mia.refresh}` }));
    // The password and TOTP seed pass on two doors; the disabled account stays shut.
    t.clock.advanceSeconds(30);
    ok(await hbpLogin(t, 'mia@example.org', 'mia old password', codeAt(mia.secret, t.clock.now().getTime())));
    expect(await storedHash(t, 'mia@example.org')).toMatch(/^\$argon2id\$/);
    t.clock.advanceSeconds(30);
    ok(await rocketchatLogin(t, 'mia@example.org', 'mia old password', codeAt(mia.secret, t.clock.now().getTime())));
    expect((await hbpLogin(t, 'ned@example.org', 'ned old password')).statusCode).not.toBe(200);

    const again = await importWith(t, 'hasura-auth', source.url);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
  }, 120_000);
});
