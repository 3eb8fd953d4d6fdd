import mysql from 'mysql2/promise';
import { importedHash } from '../../core/passwords/imported.js';
import { userIdFrom } from '../ids.js';
import type { SourceItem } from '../record.js';
import type { SourceContext } from './index.js';
import { signingKeyItems } from './keys.js';
import { connectPg } from './pg-pages.js';

/**
 * How long a JWT privacyIDEA's `/auth` issued lives: its `exp` is now + `get_jwt_validity()`, DEFAULT_JWT_VALIDITY
 * (3600 s, privacyidea/lib/policies/helper.py) unless a WebUI `jwt_validity` policy sets it (`--token-lifetime`).
 * `logout_time` (120 s by default) is the WebUI's idle logout, not the token's life.
 */
const PI_JWT_SECONDS = 3600;

type Admin = { username: string; password: string | null; email: string | null };

/** Reads a few small tables from privacyIDEA's database, PostgreSQL or MySQL/MariaDB by the URL's scheme. */
async function readTables(from: string) {
  if (/^mysql/.test(from)) {
    const db = await mysql.createConnection({ uri: from });
    try {
      const [admins] = await db.query('select username, password, email from admin order by username');
      const [realms] = await db.query('select name from realm order by name');
      return { admins: admins as Admin[], realms: (realms as { name: string }[]).map((r) => r.name) };
    } finally {
      await db.end();
    }
  }
  const client = await connectPg(from);
  try {
    const admins = (await client.query<Admin>('select username, password, email from admin order by username')).rows;
    const realms = (await client.query<{ name: string }>('select name from realm order by name')).rows;
    return { admins, realms: realms.map((r) => r.name) };
  } finally {
    await client.end();
  }
}

/**
 * privacyIDEA: its realms, and its admins (the `admin` table) as users of role `admin` with their passlib hashes,
 * which privacyIDEA computes over PI_PEPPER + password: the pepper is read from the environment (PI_PEPPER, as in
 * its pi.cfg) and kept with each hash until the admin's next login replaces it. Users of its resolvers are not
 * imported: serve an LDAP resolver's users through a directory (docs/federation.md), others by their own source.
 */
export async function* privacyideaSource(from: string, ctx: SourceContext): AsyncGenerator<SourceItem> {
  const pepper = ctx.env.PI_PEPPER;
  const { admins, realms } = await readTables(from);
  // Its JWTs are HS256 over pi.cfg's SECRET_KEY, given as PI_SECRET_KEY.
  const key = { door: 'privacyidea', algorithm: 'HS256', material: ctx.env.PI_SECRET_KEY } as const;
  yield* signingKeyItems(ctx, key, PI_JWT_SECONDS, "PI_SECRET_KEY (pi.cfg's SECRET_KEY)");
  for (const realm of realms) yield { realm };
  for (const a of admins) {
    const warnings: string[] = [];
    if (!a.email) warnings.push(`admin ${a.username}: no email, imported as ${a.username}@privacyidea.invalid`);
    let passwordHash: string | null = null;
    if (a.password && pepper !== undefined)
      passwordHash = importedHash('peppered', Buffer.from(pepper, 'utf8').toString('base64url'), a.password);
    else if (a.password) {
      warnings.push(`admin ${a.username}: PI_PEPPER is not set, the hash cannot be checked`);
      passwordHash = importedHash('unsupported', 'peppered-without-pepper', a.password);
    }
    yield {
      warnings,
      user: {
        id: userIdFrom('privacyidea', a.username),
        email: a.email || `${a.username}@privacyidea.invalid`,
        username: a.username,
        defaultRole: 'admin',
        roles: [...new Set(['admin', ctx.defaultRole])],
        active: true,
        disabled: false,
        emailVerified: Boolean(a.email),
        passwordHash,
        metadata: {},
      },
    };
  }
}
