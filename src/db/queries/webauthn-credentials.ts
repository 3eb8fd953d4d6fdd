import type { Kysely } from 'kysely';
import { toBool, toDate, toDateOrNull } from '../dialect.js';
import type { Database } from '../types.js';

export interface PasskeyRow {
  id: string;
  credentialId: string;
  userId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  nickname: string | null;
  aaguid: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const COLUMNS = [
  'id',
  'credential_id',
  'user_id',
  'public_key',
  'counter',
  'transports',
  'device_type',
  'backed_up',
  'nickname',
  'aaguid',
  'created_at',
  'last_used_at',
] as const;

type Row = Record<(typeof COLUMNS)[number], unknown>;

const toPasskey = (r: Row): PasskeyRow => ({
  id: String(r.id),
  credentialId: String(r.credential_id),
  userId: String(r.user_id),
  publicKey: String(r.public_key),
  counter: Number(r.counter),
  transports: r.transports ? String(r.transports).split(',').filter(Boolean) : [],
  deviceType: String(r.device_type),
  backedUp: toBool(r.backed_up),
  nickname: (r.nickname as string | null) ?? null,
  aaguid: (r.aaguid as string | null) ?? null,
  createdAt: toDate(r.created_at),
  lastUsedAt: toDateOrNull(r.last_used_at),
});

/** Passkeys: the public key and signature counter of each WebAuthn credential, per user. */
export function createWebauthnCredentialQueries(db: Kysely<Database>) {
  return {
    async insert(p: Omit<PasskeyRow, 'lastUsedAt'>): Promise<void> {
      await db
        .insertInto('webauthn_credentials')
        .values({
          id: p.id,
          credential_id: p.credentialId,
          user_id: p.userId,
          public_key: p.publicKey,
          counter: p.counter,
          transports: p.transports.join(',') || null,
          device_type: p.deviceType,
          backed_up: p.backedUp,
          nickname: p.nickname,
          aaguid: p.aaguid,
          created_at: p.createdAt,
        })
        .execute();
    },

    async byCredentialId(credentialId: string): Promise<PasskeyRow | undefined> {
      const row = await db
        .selectFrom('webauthn_credentials')
        .select(COLUMNS)
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return row && toPasskey(row);
    },

    async listOf(userId: string): Promise<PasskeyRow[]> {
      const rows = await db
        .selectFrom('webauthn_credentials')
        .select(COLUMNS)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toPasskey);
    },

    async countOf(userId: string): Promise<number> {
      const row = await db
        .selectFrom('webauthn_credentials')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /**
     * Records a use: the new counter only when it moved forward (or both are 0, an authenticator
     * without a counter); false when another use got there first with the same or a later value.
     */
    async recordUse(id: string, u: { from: number; counter: number; backedUp: boolean; now: Date }): Promise<boolean> {
      const res = await db
        .updateTable('webauthn_credentials')
        .set({ counter: u.counter, backed_up: u.backedUp, last_used_at: u.now })
        .where('id', '=', id)
        .where('counter', '=', u.from)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async rename(userId: string, id: string, nickname: string): Promise<boolean> {
      const res = await db
        .updateTable('webauthn_credentials')
        .set({ nickname })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async remove(userId: string, id: string): Promise<boolean> {
      const res = await db
        .deleteFrom('webauthn_credentials')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(res.numDeletedRows) === 1;
    },
  };
}

export type WebauthnCredentialQueries = ReturnType<typeof createWebauthnCredentialQueries>;
