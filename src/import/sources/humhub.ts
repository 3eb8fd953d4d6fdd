import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import { importedHash } from '../../core/passwords/imported.js';
import { userIdFrom } from '../ids.js';
import type { SourceItem } from '../record.js';
import type { SourceContext } from './index.js';
import { signingKeyItems } from './keys.js';

/** HumHub's jwtExpire 0 means its JWTs never expire: after the switch they count this long (`--token-lifetime`). */
const NO_EXPIRY_SECONDS = 86_400;

/** The REST module's JWT key and lifetime (its `setting` rows), when the module is installed. */
async function restJwtSettings(db: mysql.Connection, ctx: SourceContext): Promise<SourceItem[]> {
  const [tables] = await db.query("show tables like 'setting'");
  if (!(tables as unknown[]).length) return [];
  const [rows] = await db.query(
    "select name, value from setting where module_id = 'rest' and name in ('jwtKey', 'jwtExpire')",
  );
  const settings = new Map((rows as { name: string; value: string }[]).map((r) => [r.name, r.value]));
  const expire = Number(settings.get('jwtExpire') ?? 0);
  const lifetime = Number.isSafeInteger(expire) && expire > 0 ? expire : NO_EXPIRY_SECONDS;
  const key = { door: 'humhub', algorithm: 'HS512', material: settings.get('jwtKey') } as const;
  return signingKeyItems(ctx, key, lifetime, "the REST module's jwtKey");
}

type Row = {
  id: number;
  guid: string;
  status: number;
  username: string | null;
  email: string | null;
  language: string | null;
  created_at: Date | null;
  last_login: Date | null;
  firstname: string | null;
  lastname: string | null;
  is_admin: number | null;
};

const USERS = `
select u.id, u.guid, u.status, u.username, u.email, u.language, u.created_at, u.last_login,
       p.firstname, p.lastname,
       (select max(g.is_admin_group) from group_user gu join \`group\` g on g.id = gu.group_id
         where gu.user_id = u.id) as is_admin
  from user u left join profile p on p.user_id = u.id
 where u.id > ? order by u.id limit ?`;

/** HumHub's `user_password` row as an imported hash: PHP's password_hash as is, the salted digests tagged. */
function hashOf(p: { algorithm: string; password: string; salt: string | null } | undefined): string | null {
  if (!p) return null;
  if (p.algorithm === 'bcrypt' || /^\$2[aby]\$/.test(p.password)) return p.password;
  if (['sha512whirlpool', 'sha512', 'sha1md5'].includes(p.algorithm))
    return importedHash(p.algorithm, p.salt ?? '', p.password);
  return importedHash('unsupported', p.algorithm, p.salt ?? '', p.password);
}

const bearerHash = (token: string) => createHash('sha256').update(token).digest('base64');

/**
 * HumHub on MySQL/MariaDB: `user` (numeric id and guid kept as HumHub's ids), `profile` (names), the newest
 * `user_password` row, the admin group (→ role `admin`), and the REST module's `rest_user_bearer_tokens`.
 * Status 0 is disabled, 2 (waiting for approval) inactive, 3 (soft-deleted) left out.
 */
export async function* humhubSource(from: string, ctx: SourceContext): AsyncGenerator<SourceItem> {
  const db = await mysql.createConnection({ uri: from, dateStrings: false });
  try {
    const [tables] = await db.query("show tables like 'rest_user_bearer_tokens'");
    const hasTokens = (tables as unknown[]).length > 0;
    yield* await restJwtSettings(db, ctx);
    let after = 0;
    for (;;) {
      const [rows] = await db.query(USERS, [after, 1000]);
      const page = rows as Row[];
      if (!page.length) return;
      after = page[page.length - 1]!.id;
      const ids = page.map((r) => r.id);
      const [pw] = await db.query(
        `select p.user_id, p.algorithm, p.password, p.salt from user_password p
          where p.user_id in (?) and p.id = (select max(q.id) from user_password q where q.user_id = p.user_id)`,
        [ids],
      );
      const passwords = new Map(
        (pw as { user_id: number; algorithm: string; password: string; salt: string }[]).map((p) => [p.user_id, p]),
      );
      const tokens = new Map<number, { token: string; expiration: Date }[]>();
      if (hasTokens) {
        const [t] = await db.query(
          'select user_id, token, expiration from rest_user_bearer_tokens where user_id in (?) and expiration > now()',
          [ids],
        );
        for (const r of t as { user_id: number; token: string; expiration: Date }[])
          tokens.set(r.user_id, [...(tokens.get(r.user_id) ?? []), r]);
      }
      for (const u of page) {
        if (!u.email) yield { skip: `user ${u.id}: no email, not imported` };
        else if (u.status === 3) yield { skip: `user ${u.id}: soft-deleted, not imported` };
        else {
          const roles = u.is_admin ? ['admin', ctx.defaultRole] : [ctx.defaultRole];
          const name = [u.firstname, u.lastname].filter(Boolean).join(' ');
          yield {
            ...(u.guid && userIdFrom('humhub', u.guid) !== u.guid.toLowerCase()
              ? { warnings: [`user ${u.id}: guid ${u.guid} is not a UUID; the user id is derived from it`] }
              : {}),
            user: {
              id: userIdFrom('humhub', u.guid || String(u.id)),
              numericId: u.id,
              email: u.email,
              username: u.username,
              displayName: name || null,
              locale: u.language || null,
              defaultRole: ctx.defaultRole,
              roles: [...new Set(roles)],
              active: u.status !== 2,
              disabled: u.status === 0,
              emailVerified: true,
              passwordHash: hashOf(passwords.get(u.id)),
              metadata: {},
              createdAt: u.created_at?.toISOString(),
              lastLoginAt: u.last_login?.toISOString() ?? null,
              apiTokens: (tokens.get(u.id) ?? []).map((t) => ({
                hash: bearerHash(t.token),
                kind: 'bearer',
                expiresAt: t.expiration.toISOString(),
                name: 'humhub',
              })),
            },
          };
        }
      }
    }
  } finally {
    await db.end();
  }
}
