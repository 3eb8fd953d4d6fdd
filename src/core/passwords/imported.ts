import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as argon2Verify } from '@node-rs/argon2';
import { verify as bcryptVerify } from '@node-rs/bcrypt';

/**
 * Hashes taken over from another system, kept as they are until the user's next successful login replaces
 * them with argon2id. Each is stored as `$gatehouse-import$<scheme>$<fields…>`, so the scheme travels with
 * the hash and needs no column of its own:
 *
 * - `bcrypt-sha256$<bcrypt>`: Rocket.Chat, bcrypt over the password's SHA-256 hex digest
 * - `sha512whirlpool$<salt>$<hex>`, `sha512$<salt>$<hex>`, `sha1md5$<salt>$<hex>`: HumHub's `user_password`
 * - `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` (and `-sha512`, `-sha1`): Keycloak's credentials
 * - `peppered$<pepper b64url>$<passlib hash>`: privacyIDEA's admins (pbkdf2-sha512 or argon2 over PI_PEPPER + password)
 * - `unsupported$<original>`: kept so that nothing is lost, never matches (the user resets)
 */
export const IMPORT_PREFIX = '$gatehouse-import$';

const pbkdf2Async = promisify(pbkdf2);
const hex = (algorithm: string, value: string) => createHash(algorithm).update(value, 'utf8').digest('hex');

/** Constant-time comparison of two encodings of equal kind. */
function same(a: string | Buffer, b: string | Buffer): boolean {
  const x = Buffer.isBuffer(a) ? a : Buffer.from(a);
  const y = Buffer.isBuffer(b) ? b : Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** passlib's adapted base64: `.` for `+`, no padding. */
const ab64 = (s: string) => Buffer.from(s.replace(/\./g, '+'), 'base64');

async function bcryptOk(password: string, hash: string): Promise<boolean> {
  if (Buffer.byteLength(password) > 72) return false;
  return bcryptVerify(password, hash).catch(() => false);
}

async function pbkdf2Ok(digest: string, password: string, iterations: string, salt: Buffer, expected: Buffer) {
  const n = Number(iterations);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000 || expected.length === 0) return false;
  return same(await pbkdf2Async(password, salt, n, expected.length, digest), expected);
}

/** `fields`: what follows the scheme, split at `$`; `rest`: the same unsplit (a bcrypt hash has `$` in it). */
type Check = (password: string, fields: string[], rest: string) => Promise<boolean>;

const SCHEMES: Record<string, Check> = {
  'bcrypt-sha256': async (pw, _fields, rest) => bcryptOk(hex('sha256', pw), rest),
  // HumHub: hash('sha512', hash('whirlpool', $password . $salt)), both hex.
  // hash-wasm (a WebAssembly build of every algorithm it has) is loaded by the first HumHub hash checked.
  sha512whirlpool: async (pw, [salt = '', expected = '']) => {
    const { whirlpool } = await import('hash-wasm');
    return same(hex('sha512', await whirlpool(pw + salt)), expected.toLowerCase());
  },
  sha512: async (pw, [salt = '', expected = '']) => same(hex('sha512', pw + salt), expected.toLowerCase()),
  sha1md5: async (pw, [salt = '', expected = '']) => same(hex('sha1', hex('md5', pw + salt)), expected.toLowerCase()),
  'pbkdf2-sha1': (pw, [n = '', salt = '', h = '']) =>
    pbkdf2Ok('sha1', pw, n, Buffer.from(salt, 'base64'), Buffer.from(h, 'base64')),
  'pbkdf2-sha256': (pw, [n = '', salt = '', h = '']) =>
    pbkdf2Ok('sha256', pw, n, Buffer.from(salt, 'base64'), Buffer.from(h, 'base64')),
  'pbkdf2-sha512': (pw, [n = '', salt = '', h = '']) =>
    pbkdf2Ok('sha512', pw, n, Buffer.from(salt, 'base64'), Buffer.from(h, 'base64')),
  // privacyIDEA: passlib's `$pbkdf2-sha512$<rounds>$<salt>$<checksum>` (or argon2) over PI_PEPPER + password.
  peppered: async (pw, [pepper = ''], rest) => {
    const inner = rest.slice(pepper.length + 1);
    const peppered = Buffer.from(pepper, 'base64url').toString('utf8') + pw;
    if (inner.startsWith('$argon2')) return argon2Verify(inner, peppered).catch(() => false);
    const [, name, rounds = '', salt = '', checksum = ''] = inner.split('$');
    if (name !== 'pbkdf2-sha512') return false;
    return pbkdf2Ok('sha512', peppered, rounds, ab64(salt), ab64(checksum));
  },
};

/** Whether `stored` is a hash taken over by an import. */
export const isImported = (stored: string) => stored.startsWith(IMPORT_PREFIX);

/** The scheme of an imported hash (`bcrypt-sha256`, `sha512whirlpool`…). */
export const importedScheme = (stored: string) => stored.slice(IMPORT_PREFIX.length).split('$', 1)[0] ?? '';

/** Whether Gatehouse can check a password against this imported hash. */
export const canVerifyImported = (stored: string) => importedScheme(stored) in SCHEMES;

/** Builds an imported hash from its scheme and fields (none may hold `$`, but a last bcrypt or passlib hash). */
export const importedHash = (scheme: string, ...fields: string[]) => `${IMPORT_PREFIX}${[scheme, ...fields].join('$')}`;

/** Checks a password against an imported hash; an unknown scheme never matches. */
export async function verifyImported(stored: string, password: string): Promise<boolean> {
  const body = stored.slice(IMPORT_PREFIX.length);
  const [scheme = '', ...fields] = body.split('$');
  const check = SCHEMES[scheme];
  if (!check) return false;
  return check(password, fields, body.slice(scheme.length + 1)).catch(() => false);
}
