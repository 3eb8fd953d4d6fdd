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
import { es256Key, SoftAuthenticator } from './helpers/soft-authenticator.js';

const SCHEMA = path.join(import.meta.dirname, 'fixtures/import/hasura-auth-schema.sql');

/** A hasura-auth database, rows as its handlers write them (the refresh token kept only as `\x` + SHA-256 hex). */
async function hasuraAuthDatabase() {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(await readFile(SCHEMA, 'utf8'));
  // Mia's security key, as hasura-auth stores one: the credential id in unpadded base64url, the COSE public key.
  const key = es256Key();
  const mia = { id: randomUUID(), secret: newSecret(), refresh: randomUUID(), key: key.cose, privateKey: key };
  const credentialId = randomBytes(16).toString('base64url');
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
     values ($1, $2, $3, 7, 'usb,nfc', 'YubiKey')`,
    [mia.id, credentialId, mia.key],
  );
  await client.end();
  return { ...db, mia, ned, credentialId };
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
    // Her security key is a passkey now, its counter, transports and nickname kept.
    expect(await t.app.services.queries.passkeys.listOf(mia.id)).toEqual([
      expect.objectContaining({
        credentialId: source.credentialId,
        publicKey: mia.key.toString('base64url'),
        counter: 7,
        transports: ['usb', 'nfc'],
        nickname: 'YubiKey',
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
    expect(await t.app.services.queries.passkeys.listOf(mia.id)).toHaveLength(1);
  }, 120_000);

  it('signs in with an imported security key, held by an authenticator with its private key', async () => {
    const t = app();
    const { mia, credentialId } = source;
    await importWith(t, 'hasura-auth', source.url);
    const device = new SoftAuthenticator(t.config.passkeys.origins[0]!);
    const { key, publicKey } = mia.privateKey;
    // hasura-auth's user handle is the user id's text; its key has signed 7 times before.
    device.credentials.push({ id: credentialId, key, publicKey, userHandle: mia.id, counter: 7 });
    const options = await t.request({
      method: 'POST',
      url: '/auth/webauthn/login/options',
      payload: { email: 'mia@example.org' },
    });
    expect(options.json().allowCredentials).toEqual([
      { id: credentialId, type: 'public-key', transports: ['usb', 'nfc'] },
    ]);
    const native = await t.request({
      method: 'POST',
      url: '/auth/webauthn/login/verify',
      payload: { credential: device.get(options.json()) },
    });
    expect(native.statusCode, native.body).toBe(200);
    expect(native.json().user.id).toBe(mia.id);
    // And on the hasura-auth door, without a user name, as her hasura-auth app signed in before the move.
    const hasura = await t.request({ method: 'POST', url: '/v1/auth/signin/webauthn', payload: {} });
    const verify = await t.request({
      method: 'POST',
      url: '/v1/auth/signin/webauthn/verify',
      payload: { credential: device.get(hasura.json()) },
    });
    expect(verify.statusCode, verify.body).toBe(200);
    expect(verify.json().session.user.id).toBe(mia.id);
    // A clone of the key still at counter 7 is refused: the counter moved on.
    const clone = device.get(
      (await t.request({ method: 'POST', url: '/auth/webauthn/login/options', payload: {} })).json(),
      {
        counter: 7,
      },
    );
    const refused = await t.request({
      method: 'POST',
      url: '/auth/webauthn/login/verify',
      payload: { credential: clone },
    });
    expect(refused.statusCode).toBe(401);
  }, 120_000);
});
