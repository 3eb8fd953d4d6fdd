import { createDecipheriv, hkdfSync } from 'node:crypto';
import type { Env } from '../../config/load.js';

/**
 * Supabase Auth's column encryption (`GOTRUE_SECURITY_DB_ENCRYPTION_*`, its `internal/crypto`): a secret is
 * stored as JSON `{"key_id", "alg": "aes-gcm-hkdf", "data", "nonce"}` (data and nonce in standard base64, as Go
 * marshals bytes). The AES-256-GCM key is HKDF-SHA256 of the named 256-bit key (base64url without padding),
 * with no salt and the id of the row that holds the secret as info (an MFA factor's id), so a secret is bound
 * to its row.
 */
export interface SupabaseKeys {
  /** The decryption keys by id: GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS and the encryption key. */
  byId: Map<string, Buffer>;
}

const PREFIX = 'GOTRUE_SECURITY_DB_ENCRYPTION_';

/** The keys an operator gave (the same variables GoTrue reads); throws on a key that is not 256 bits. */
export function supabaseKeysFrom(env: Env): SupabaseKeys {
  const byId = new Map<string, Buffer>();
  const add = (id: string, key: string) => {
    const bytes = Buffer.from(key.trim(), 'base64url');
    if (bytes.length !== 32) throw new Error(`${PREFIX}*: the key ${id} is not 256 bits of base64url`);
    byId.set(id.trim(), bytes);
  };
  // envconfig's map form: "id1:key1,id2:key2".
  for (const pair of (env[`${PREFIX}DECRYPTION_KEYS`] ?? '').split(',').filter((p) => p.trim())) {
    const at = pair.indexOf(':');
    if (at < 1) throw new Error(`${PREFIX}DECRYPTION_KEYS: expected id:key pairs separated by commas`);
    add(pair.slice(0, at), pair.slice(at + 1));
  }
  const id = env[`${PREFIX}ENCRYPTION_KEY_ID`];
  const key = env[`${PREFIX}ENCRYPTION_KEY`];
  if (id && key) add(id, key);
  return { byId };
}

/** Whether a stored value is one of GoTrue's encrypted strings (else it is the secret itself). */
export function isEncrypted(stored: string): boolean {
  return stored.startsWith('{');
}

/**
 * The plain secret of an encrypted string stored in the row `rowId`, or why not: a key id the operator did not
 * give, or a value that does not open (another key, another row, altered).
 */
export function decryptSupabase(
  stored: string,
  rowId: string,
  keys: SupabaseKeys,
): { ok: true; value: string } | { ok: false; reason: string } {
  let es: { key_id?: unknown; alg?: unknown; data?: unknown; nonce?: unknown };
  try {
    es = JSON.parse(stored);
  } catch {
    return { ok: false, reason: 'not an encrypted string' };
  }
  const { key_id: keyId, alg, data, nonce } = es;
  if (alg !== 'aes-gcm-hkdf' || typeof keyId !== 'string' || typeof data !== 'string' || typeof nonce !== 'string')
    return { ok: false, reason: 'not an encrypted string' };
  const master = keys.byId.get(keyId);
  if (!master) return { ok: false, reason: `encrypted with key ${keyId}, not given` };
  const iv = Buffer.from(nonce, 'base64');
  const sealed = Buffer.from(data, 'base64');
  if (iv.length !== 12 || sealed.length < 16) return { ok: false, reason: 'not an encrypted string' };
  const key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), Buffer.from(rowId), 32));
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
    return { ok: true, value: plain.toString('utf8') };
  } catch {
    return { ok: false, reason: `does not open with key ${keyId}` };
  }
}
