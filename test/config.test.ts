import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { REFERENCE_FILE, withReference } from '../src/config/reference.js';
import { DATABASES } from './helpers/app.js';
import { PASSWORD, bearer } from './helpers/auth.js';
import { createTestDatabase } from './helpers/postgres.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('starts in embedded mode with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({
      kind: 'sqlite',
      file: path.resolve('data/gatehouse.db'),
      statementTimeoutMs: 5000,
      acquireTimeoutMs: 3000,
    });
    expect(config.jwt).toMatchObject({
      algorithm: 'HS512',
      expiresInMinutes: 15,
      refreshExpiresInMinutes: 43200,
      claimsNamespace: 'https://hasura.io/jwt/claims',
      reuseGraceSeconds: 10,
    });
    expect(config.users).toMatchObject({ defaultRole: 'user', defaultAllowedRoles: ['user'], allowedRoles: ['user'] });
    expect(config.passwords).toEqual({
      minLength: 8,
      maxLength: 256,
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
    });
    expect(config.cookies.secure).toBe(false);
  });

  it('reads PostgreSQL URLs, HBP names and *_ENABLE aliases', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db/gh',
      AUTO_ACTIVATE_NEW_USERS_ENABLE: 'false',
      COOKIE_SECURE_ENABLE: 'true',
      RATE_LIMIT_ENABLE: 'off',
      SERVER_URL: 'https://auth.example.com/',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
    });
    expect(config.database).toMatchObject({ kind: 'postgres', url: 'postgres://u@db/gh' });
    expect(config.users.autoActivate).toBe(false);
    expect(config.cookies.secure).toBe(true);
    expect(config.rateLimit.enabled).toBe(false);
    expect(config.server.url).toBe('https://auth.example.com');
    expect(config.server.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });

  it('derives secure cookies from an https SERVER_URL', () => {
    expect(loadConfig({ SERVER_URL: 'https://auth.example.com' }).cookies.secure).toBe(true);
  });

  it('lists every bad variable, and why, in one error', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      JWT_ALGORITHM: 'HS384',
      JWT_EXPIRES_IN: '0',
      AUTO_ACTIVATE_NEW_USERS: 'maybe',
      DATABASE_URL: 'mysql://x',
      COOKIE_SAME_SITE: 'none',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^PORT: must be a whole number/),
      expect.stringMatching(/^DATABASE_URL: must start with postgres/),
      expect.stringMatching(/^JWT_ALGORITHM: must be one of HS256, HS512, RS256, ES256, EdDSA/),
      expect.stringMatching(/^JWT_EXPIRES_IN: must be between 1 and 1440/),
      expect.stringMatching(/^AUTO_ACTIVATE_NEW_USERS: must be true or false/),
      expect.stringMatching(/^COOKIE_SAME_SITE: "none" requires COOKIE_SECURE=true/),
    ]);
  });

  it('checks cross-field rules: roles, key material, secret lengths', () => {
    expect(problemsOf({ DEFAULT_USER_ROLE: 'user', DEFAULT_ALLOWED_USER_ROLES: 'me' })).toEqual([
      expect.stringContaining('must contain DEFAULT_USER_ROLE'),
    ]);
    expect(problemsOf({ ALLOWED_USER_ROLES: 'admin' })).toEqual([expect.stringContaining('missing user')]);
    expect(problemsOf({ JWT_KEY: 'short' })).toEqual(['JWT_KEY: an HMAC secret must be at least 32 characters']);
    expect(problemsOf({ JWT_ALGORITHM: 'RS256', JWT_KEY: 'x'.repeat(40) })).toEqual([
      'JWT_KEY: RS256 needs a PEM private key',
    ]);
    expect(problemsOf({ COOKIE_SECRET: 'tiny' })).toEqual(['COOKIE_SECRET: must be at least 32 characters']);
    expect(problemsOf({ DEFAULT_ALLOWED_USER_ROLES: 'user,bad role' })).toEqual([
      expect.stringContaining('invalid names: bad role'),
    ]);
  });

  it('keeps the configuration reference in docs/ in step with the schema', () => {
    const page = readFileSync(REFERENCE_FILE, 'utf8');
    expect(withReference(page), 'run `npm run docs:config`').toBe(page);
  });
});

describe.each(DATABASES)('embedded secrets on %s', (db) => {
  it('are generated with mode 0600 and survive a restart, so tokens stay valid', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-secrets-'));
    const pg = db === 'postgres' ? await createTestDatabase() : undefined;
    try {
      const config = loadConfig({
        DATA_DIR: dataDir,
        DATABASE_URL: pg?.url,
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_ITERATIONS: '1',
        LOG_LEVEL: 'silent',
      });
      const first = await buildApp(config);
      const session = (
        await first.inject({
          method: 'POST',
          url: '/auth/register',
          payload: { email: 'keep@example.com', password: PASSWORD },
        })
      ).json();
      await first.close();
      for (const file of ['jwt-hs512.key', 'cookie-secret']) {
        expect((await stat(path.join(dataDir, 'secrets', file))).mode & 0o777).toBe(0o600);
      }
      const second = await buildApp(config);
      expect((await second.inject({ url: '/auth/user', headers: bearer(session.jwt_token) })).statusCode).toBe(200);
      expect(
        (await second.inject({ url: `/auth/token/refresh?refresh_token=${session.refresh_token}` })).statusCode,
      ).toBe(200);
      await second.close();
    } finally {
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
