import { sha256 } from '../../core/hash.js';
import type { SourceItem } from '../record.js';
import type { SourceContext } from './index.js';
import { connectPg, groupedBy, hasColumn, keysetPages } from './pg-pages.js';
import { hasuraAuthKey } from './hasura-auth-key.js';

type Row = {
  id: string;
  created_at: Date;
  last_seen: Date | null;
  disabled: boolean;
  display_name: string;
  avatar_url: string;
  locale: string;
  email: string | null;
  password_hash: string | null;
  email_verified: boolean;
  default_role: string;
  is_anonymous: boolean;
  totp_secret: string | null;
  active_mfa_type: string | null;
  metadata: Record<string, unknown> | null;
};

const USERS = (metadata: boolean) => `
select id, created_at, last_seen, disabled, display_name, avatar_url, locale, email::text as email, password_hash,
       email_verified, default_role, is_anonymous, totp_secret, active_mfa_type${metadata ? ', metadata' : ''}
  from auth.users where id > $1 order by id limit $2`;

/**
 * The live refresh tokens of these users as Gatehouse's hashes. hasura-auth first kept the token itself
 * (`refresh_token`), then also its SHA-256 (`refresh_token_hash`, `\x` and hex), then only that hash: the same
 * digest Gatehouse stores, re-encoded. Personal access tokens (`type = 'pat'`) do not rotate and stay behind.
 */
async function refreshQuery(client: Awaited<ReturnType<typeof connectPg>>) {
  const hashed = await hasColumn(client, 'auth', 'refresh_tokens', 'refresh_token_hash');
  const plain = await hasColumn(client, 'auth', 'refresh_tokens', 'refresh_token');
  const typed = await hasColumn(client, 'auth', 'refresh_tokens', 'type');
  const token = plain ? 'refresh_token::text' : 'null';
  const query = `select user_id, ${token} as token, ${hashed ? 'refresh_token_hash' : 'null'} as hash, created_at,
      expires_at from auth.refresh_tokens where user_id = any($1) and expires_at > now()
      ${typed ? "and type::text = 'regular'" : ''}`;
  const hashOf = (r: { token: string | null; hash: string | null }) =>
    r.token ? sha256(r.token) : r.hash ? Buffer.from(r.hash.replace(/^\\x/, ''), 'hex').toString('base64url') : null;
  return { query, hashOf };
}

/**
 * hasura-auth (nhost): `auth.users` with metadata, locale, disabled and email_verified, its roles, provider
 * links, WebAuthn security keys (kept for passkeys) and live refresh tokens. Anonymous users are left out.
 */
export async function* hasuraAuthSource(from: string, ctx: SourceContext): AsyncGenerator<SourceItem> {
  yield* hasuraAuthKey(ctx);
  const client = await connectPg(from);
  try {
    const metadata = await hasColumn(client, 'auth', 'users', 'metadata');
    const keysTable = await hasColumn(client, 'auth', 'user_security_keys', 'credential_id');
    const nickname = keysTable && (await hasColumn(client, 'auth', 'user_security_keys', 'nickname'));
    const refresh = await refreshQuery(client);
    const zero = '00000000-0000-0000-0000-000000000000';
    for await (const page of keysetPages<Row>(client, USERS(metadata), 'id', zero)) {
      const ids = page.map((u) => u.id);
      const roles = await groupedBy<{ user_id: string; role: string }>(
        client,
        'select user_id, role from auth.user_roles where user_id = any($1)',
        ids,
        'user_id',
      );
      const providers = await groupedBy<{ user_id: string; provider_id: string; provider_user_id: string }>(
        client,
        'select user_id, provider_id, provider_user_id from auth.user_providers where user_id = any($1)',
        ids,
        'user_id',
      );
      const keys = keysTable
        ? await groupedBy<{
            user_id: string;
            credential_id: string;
            credential_public_key: Buffer | null;
            counter: string;
            transports: string;
            nickname: string | null;
          }>(
            client,
            `select user_id, credential_id, credential_public_key, counter, transports,
                    ${nickname ? 'nickname' : 'null as nickname'} from auth.user_security_keys where user_id = any($1)`,
            ids,
            'user_id',
          )
        : new Map();
      const tokens = await groupedBy<{
        user_id: string;
        token: string | null;
        hash: string | null;
        created_at: Date;
        expires_at: Date;
      }>(client, refresh.query, ids, 'user_id');
      for (const u of page) {
        if (!u.email || u.is_anonymous) {
          yield { skip: `user ${u.id}: ${u.is_anonymous ? 'anonymous' : 'no email'}, not imported` };
          continue;
        }
        const own = (roles.get(u.id) ?? []).map((r) => r.role);
        yield {
          user: {
            id: u.id,
            email: u.email,
            displayName: u.display_name || null,
            avatarUrl: u.avatar_url || null,
            locale: u.locale || null,
            defaultRole: u.default_role,
            roles: own.includes(u.default_role) ? own : [...own, u.default_role],
            active: true,
            disabled: u.disabled,
            emailVerified: u.email_verified,
            passwordHash: u.password_hash,
            metadata: u.metadata ?? {},
            createdAt: u.created_at.toISOString(),
            lastLoginAt: u.last_seen?.toISOString() ?? null,
            ...(u.totp_secret && {
              mfa: {
                secret: u.totp_secret,
                enabledAt: u.active_mfa_type === 'totp' ? u.created_at.toISOString() : null,
              },
            }),
            identities: (providers.get(u.id) ?? []).map((p) => ({
              provider: p.provider_id,
              subject: p.provider_user_id,
            })),
            refreshTokens: (tokens.get(u.id) ?? []).flatMap((t) => {
              const hash = refresh.hashOf(t);
              return hash
                ? [{ hash, createdAt: t.created_at.toISOString(), expiresAt: t.expires_at.toISOString() }]
                : [];
            }),
            securityKeys: (keys.get(u.id) ?? [])
              .filter((k: { credential_public_key: Buffer | null }) => k.credential_public_key)
              .map(
                (k: {
                  credential_id: string;
                  credential_public_key: Buffer;
                  counter: string;
                  transports: string;
                  nickname: string | null;
                }) => ({
                  credentialId: k.credential_id,
                  publicKey: k.credential_public_key.toString('base64url'),
                  counter: Number(k.counter),
                  transports: k.transports || null,
                  nickname: k.nickname,
                }),
              ),
          },
        };
      }
    }
  } finally {
    await client.end();
  }
}
