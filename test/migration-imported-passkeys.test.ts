import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/client.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createQueries } from '../src/db/queries/index.js';
import { DATABASES } from './helpers/app.js';
import { createTestDatabase } from './helpers/postgres.js';

const TIMEOUTS = { statementTimeoutMs: 30_000, acquireTimeoutMs: 30_000 };

/** A database of the given kind at the schema before migration 0025; `drop` removes it. */
async function databaseBefore0025(kind: (typeof DATABASES)[number]): Promise<{ db: Db; drop: () => Promise<void> }> {
  if (kind === 'postgres') {
    const pg = await createTestDatabase();
    const db = openDatabase({ kind, url: pg.url, ...TIMEOUTS });
    await migrateToLatest(db, '0024-oidc-provider');
    return { db, drop: async () => (await db.close(), await pg.drop()) };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-0025-'));
  const db = openDatabase({ kind, file: path.join(dir, 'gatehouse.db'), ...TIMEOUTS });
  await migrateToLatest(db, '0024-oidc-provider');
  return { db, drop: async () => (await db.close(), await rm(dir, { recursive: true, force: true })) };
}

describe.each(DATABASES)('migration 0025 on %s', (kind) => {
  it('turns the security keys an earlier import kept aside into passkeys, and drops their table', async () => {
    const { db, drop } = await databaseBefore0025(kind);
    try {
      const k = db.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
      const userId = randomUUID();
      const now = new Date();
      const at = kind === 'sqlite' ? now.toISOString() : now;
      await k
        .insertInto('users')
        .values({
          id: userId,
          email: 'kim@example.org',
          numeric_id: 1,
          default_role: 'user',
          created_at: at,
          updated_at: at,
        })
        .execute();
      const keys = Array.from({ length: 3 }, (_, i) => ({
        credential_id: randomBytes(16).toString('base64url'),
        user_id: userId,
        public_key: randomBytes(77).toString('base64url'),
        counter: i * 10,
        transports: i === 0 ? 'usb,nfc' : null,
        nickname: i === 0 ? 'YubiKey' : null,
        source: 'hasura-auth',
        created_at: at,
      }));
      await k.insertInto('imported_security_keys').values(keys).execute();
      expect(await migrateToLatest(db)).toContain('0025-imported-passkeys');
      const passkeys = await createQueries(db).passkeys.listOf(userId);
      expect(passkeys.map((p) => p.credentialId).sort()).toEqual(keys.map((key) => key.credential_id).sort());
      expect(passkeys.find((p) => p.nickname === 'YubiKey')).toMatchObject({
        transports: ['usb', 'nfc'],
        counter: 0,
        deviceType: 'singleDevice',
        backedUp: false,
      });
      expect(passkeys.map((p) => p.counter).sort((a, b) => a - b)).toEqual([0, 10, 20]);
      await expect(sql`select * from imported_security_keys`.execute(db.kysely)).rejects.toThrow();
    } finally {
      await drop();
    }
  }, 120_000);
});
