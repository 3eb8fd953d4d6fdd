import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';

const BATCH = 500;

interface ImportedKey {
  credential_id: string;
  user_id: string;
  public_key: string;
  counter: number | string;
  transports: string | null;
  nickname: string | null;
  created_at: unknown;
}

/**
 * Security keys an import brought over (hasura-auth's, kept in `imported_security_keys` by 0022) become passkeys:
 * hasura-auth stores the credential id as unpadded base64url and the COSE public key, as passkeys do, so each row
 * moves as it is (a single-device key, not backed up: hasura-auth kept no flags), in batches by credential id.
 * A credential id already registered as a passkey stays as it is. The table goes; imports now write passkeys.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const k = db as unknown as Kysely<{ imported_security_keys: ImportedKey; webauthn_credentials: object }>;
  let after = '';
  for (;;) {
    const rows = await k
      .selectFrom('imported_security_keys')
      .selectAll()
      .where('credential_id', '>', after)
      .orderBy('credential_id')
      .limit(BATCH)
      .execute();
    if (!rows.length) break;
    await k
      .insertInto('webauthn_credentials')
      .values(
        rows.map((r) => ({
          id: randomUUID(),
          credential_id: r.credential_id,
          user_id: r.user_id,
          public_key: r.public_key,
          counter: Number(r.counter),
          transports: r.transports,
          nickname: r.nickname,
          created_at: r.created_at,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    after = rows[rows.length - 1]!.credential_id;
  }
  await db.schema.dropTable('imported_security_keys').execute();
}
