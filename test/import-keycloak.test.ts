import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashRawSync } from '@node-rs/argon2';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { hbpLogin, importWith, ok, rocketchatLogin, storedHash } from './helpers/import.js';

/** Keycloak's Pbkdf2PasswordHashProvider: PBKDF2WithHmacSHA<n>, 512-bit key, base64 value and salt. */
function pbkdf2Credential(password: string, algorithm: 'pbkdf2-sha256' | 'pbkdf2-sha512', iterations: number) {
  const salt = randomBytes(16);
  const value = pbkdf2Sync(password, salt, iterations, 64, algorithm.slice(7));
  return {
    type: 'password',
    createdDate: Date.now(),
    secretData: JSON.stringify({
      value: value.toString('base64'),
      salt: salt.toString('base64'),
      additionalParameters: {},
    }),
    credentialData: JSON.stringify({ hashIterations: iterations, algorithm, additionalParameters: {} }),
  };
}

/** Keycloak's Argon2PasswordHashProvider: raw argon2id output and salt, parameters in additionalParameters. */
function argon2Credential(password: string) {
  const salt = randomBytes(16);
  const value = hashRawSync(password, {
    algorithm: 2,
    salt,
    memoryCost: 7168,
    timeCost: 5,
    parallelism: 1,
    outputLen: 32,
  });
  return {
    type: 'password',
    secretData: JSON.stringify({
      value: value.toString('base64'),
      salt: salt.toString('base64'),
      additionalParameters: {},
    }),
    credentialData: JSON.stringify({
      hashIterations: 5,
      algorithm: 'argon2',
      additionalParameters: {
        hashLength: ['32'],
        memory: ['7168'],
        type: ['id'],
        version: ['1.3'],
        parallelism: ['1'],
      },
    }),
  };
}

/** Keycloak keeps the OTP key as text; authenticator apps get base32 of its bytes. */
const OTP_KEY = 'k3ycl0akOtpSecretValue';
const otpCredential = {
  type: 'otp',
  userLabel: 'phone',
  secretData: JSON.stringify({ value: OTP_KEY }),
  credentialData: JSON.stringify({ subType: 'totp', digits: 6, counter: 0, period: 30, algorithm: 'HmacSHA1' }),
};
const otpCode = (at: number) =>
  new TOTP({
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: new Secret({ buffer: new Uint8Array(Buffer.from(OTP_KEY)).buffer }),
  }).generate({ timestamp: at });

const PEOPLE = {
  olga: {
    id: randomUUID(),
    credentials: [pbkdf2Credential('olga old password', 'pbkdf2-sha256', 27500), otpCredential],
  },
  pete: { id: randomUUID(), credentials: [pbkdf2Credential('pete old password', 'pbkdf2-sha512', 210000)] },
  quin: { id: randomUUID(), credentials: [argon2Credential('quin old password')] },
};

describe.each(DATABASES)('gatehouse import keycloak on %s', (db) => {
  const app = useTestApp(db);
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-kc-'));
    file = path.join(dir, 'realm-export.json');
    const users = Object.entries(PEOPLE).map(([name, p]) => ({
      id: p.id,
      createdTimestamp: Date.now(),
      username: name,
      enabled: true,
      emailVerified: true,
      firstName: name[0]!.toUpperCase() + name.slice(1),
      lastName: 'Key',
      email: `${name}@example.org`,
      credentials: p.credentials,
      realmRoles: ['default-roles-acme', 'offline_access', ...(name === 'olga' ? ['editor'] : [])],
      requiredActions: [],
      notBefore: 0,
    }));
    await writeFile(file, JSON.stringify({ id: 'acme', realm: 'acme', enabled: true, users }, null, 2));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('verifies pbkdf2-sha256, pbkdf2-sha512 and argon2 credentials as they are, and the OTP key', async () => {
    const t = app();
    const first = await importWith(t, 'keycloak', file);
    expect(first.counts).toMatchObject({ read: 3, created: 3, unverifiable: 0 });
    expect(await t.app.services.users.get(PEOPLE.olga.id)).toMatchObject({
      username: 'olga',
      displayName: 'Olga Key',
      mfaEnabled: true,
      roles: ['editor', 'user'],
    });

    t.clock.advance(Date.now() - t.clock.now().getTime());
    ok(await hbpLogin(t, 'olga@example.org', 'olga old password', otpCode(t.clock.now().getTime())));
    ok(await rocketchatLogin(t, 'pete', 'pete old password'));
    ok(await hbpLogin(t, 'quin@example.org', 'quin old password'));
    for (const name of Object.keys(PEOPLE))
      expect(await storedHash(t, `${name}@example.org`)).toMatch(/^\$argon2id\$v=19\$m=1024,/);

    const again = await importWith(t, 'keycloak', file);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  }, 120_000);
});
