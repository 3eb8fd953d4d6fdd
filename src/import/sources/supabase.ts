import type { SourceItem } from '../record.js';
import type { SourceContext } from './index.js';
import { connectPg, groupedBy, hasColumn, keysetPages } from './pg-pages.js';
import { decryptSupabase, isEncrypted, supabaseKeysFrom } from './supabase-crypto.js';

const BASE32 = /^[A-Z2-7]+=*$/;

type Row = {
  id: string;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  banned_until: Date | null;
  created_at: Date | null;
  last_sign_in_at: Date | null;
  is_anonymous?: boolean;
  deleted_at?: Date | null;
};

/**
 * Supabase Auth (GoTrue): `auth.users` (ids, email and its confirmation, user metadata, bcrypt hashes, bans),
 * `auth.identities` (provider links; the `email` identity is the account itself) and verified TOTP
 * `auth.mfa_factors`, their secrets decrypted with the operator's GOTRUE_SECURITY_DB_ENCRYPTION_* keys when
 * GoTrue encrypted them at rest. Sessions and refresh tokens stay behind: Supabase's clients sign in again.
 */
export async function* supabaseSource(from: string, ctx: SourceContext): AsyncGenerator<SourceItem> {
  const keys = supabaseKeysFrom(ctx.env);
  const client = await connectPg(from);
  try {
    const anon = await hasColumn(client, 'auth', 'users', 'is_anonymous');
    const deleted = await hasColumn(client, 'auth', 'users', 'deleted_at');
    const providerId = await hasColumn(client, 'auth', 'identities', 'provider_id');
    const query = `select id, email::text as email, encrypted_password, email_confirmed_at, raw_app_meta_data,
        raw_user_meta_data, banned_until, created_at, last_sign_in_at${anon ? ', is_anonymous' : ''}
        ${deleted ? ', deleted_at' : ''} from auth.users where id > $1 order by id limit $2`;
    const zero = '00000000-0000-0000-0000-000000000000';
    for await (const page of keysetPages<Row>(client, query, 'id', zero)) {
      const ids = page.map((u) => u.id);
      const identities = await groupedBy<{ user_id: string; provider: string; subject: string; email: string | null }>(
        client,
        `select user_id, provider, ${providerId ? 'provider_id' : 'id'}::text as subject,
                identity_data->>'email' as email from auth.identities where user_id = any($1)`,
        ids,
        'user_id',
      );
      const factors = await groupedBy<{ id: string; user_id: string; secret: string | null; created_at: Date }>(
        client,
        `select id::text as id, user_id, secret, created_at from auth.mfa_factors
          where user_id = any($1) and factor_type::text = 'totp' and status::text = 'verified' order by created_at`,
        ids,
        'user_id',
      );
      for (const u of page) {
        if (!u.email || u.is_anonymous || u.deleted_at) {
          yield { skip: `user ${u.id}: ${u.email ? 'anonymous or deleted' : 'no email'}, not imported` };
          continue;
        }
        const app = u.raw_app_meta_data ?? {};
        const roles = Array.isArray(app.roles) ? (app.roles as unknown[]).filter((r) => typeof r === 'string') : [];
        const warnings: string[] = [];
        const totp = factors.get(u.id)?.flatMap((f) => {
          if (!f.secret) return [];
          let secret = f.secret;
          if (isEncrypted(secret)) {
            const opened = decryptSupabase(secret, f.id, keys);
            if (!opened.ok) {
              warnings.push(`user ${u.id}: the TOTP factor ${f.id} is encrypted (${opened.reason}), not imported`);
              return [];
            }
            secret = opened.value;
          }
          if (BASE32.test(secret)) return [{ secret, created_at: f.created_at }];
          warnings.push(`user ${u.id}: the TOTP factor ${f.id} has an unreadable secret, not imported`);
          return [];
        })[0];
        const meta = u.raw_user_meta_data ?? {};
        const name =
          typeof meta.full_name === 'string' ? meta.full_name : typeof meta.name === 'string' ? meta.name : null;
        yield {
          warnings,
          user: {
            id: u.id,
            email: u.email,
            displayName: name,
            avatarUrl: typeof meta.avatar_url === 'string' ? meta.avatar_url : null,
            defaultRole: ctx.defaultRole,
            roles: [...new Set([ctx.defaultRole, ...(roles as string[])])],
            active: true,
            disabled: false,
            emailVerified: u.email_confirmed_at !== null,
            passwordHash: u.encrypted_password || null,
            metadata: meta,
            createdAt: u.created_at?.toISOString(),
            lastLoginAt: u.last_sign_in_at?.toISOString() ?? null,
            bannedUntil: u.banned_until && u.banned_until > new Date() ? u.banned_until.toISOString() : null,
            ...(totp && { mfa: { secret: totp.secret.replace(/=+$/, ''), enabledAt: totp.created_at.toISOString() } }),
            identities: (identities.get(u.id) ?? [])
              .filter((i) => i.provider !== 'email' && i.provider !== 'phone')
              .map((i) => ({ provider: i.provider, subject: i.subject, email: i.email })),
          },
        };
      }
    }
  } finally {
    await client.end();
  }
}
