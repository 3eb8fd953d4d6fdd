import { sha256 } from '../../core/hash.js';
import type { SourceItem } from '../record.js';
import type { SourceContext } from './index.js';
import { signingKeyItems } from './keys.js';
import { connectPg, groupedBy, keysetPages } from './pg-pages.js';

const HBP_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512'] as const;

type Account = {
  id: string;
  display_name: string | null;
  avatar_url: string | null;
  created_at: Date;
  account_id: string;
  active: boolean;
  email: string | null;
  password_hash: string | null;
  default_role: string;
  is_anonymous: boolean;
  custom_register_data: Record<string, unknown> | null;
  otp_secret: string | null;
  mfa_enabled: boolean;
};

const ACCOUNTS = `
select u.id, u.display_name, u.avatar_url, u.created_at, a.id as account_id, a.active, a.email::text as email,
       a.password_hash, a.default_role, a.is_anonymous, a.custom_register_data, a.otp_secret, a.mfa_enabled
  from auth.accounts a join public.users u on u.id = a.user_id
 where u.id > $1 order by u.id limit $2`;

/**
 * hasura-backend-plus: `public.users` (the ids the app's tables reference) with `auth.accounts`, their roles,
 * provider links and live refresh tokens (HBP keeps them in the clear: only their hash comes over).
 * Anonymous accounts have no email and are left out.
 */
export async function* hbpSource(from: string, ctx: SourceContext): AsyncGenerator<SourceItem> {
  // HBP's own settings, renamed (JWT_KEY is Gatehouse's): its key, JWT_ALGORITHM and JWT_EXPIRES_IN (minutes).
  const algorithm = (ctx.env.HBP_JWT_ALGORITHM ?? 'HS256') as (typeof HBP_ALGORITHMS)[number];
  if (!HBP_ALGORITHMS.includes(algorithm)) throw new Error(`HBP_JWT_ALGORITHM: one of ${HBP_ALGORITHMS.join(', ')}`);
  const minutes = Number(ctx.env.HBP_JWT_EXPIRES_IN ?? 15);
  const key = { door: 'hbp', algorithm, material: ctx.env.HBP_JWT_KEY } as const;
  yield* signingKeyItems(ctx, key, (Number.isFinite(minutes) && minutes > 0 ? minutes : 15) * 60, 'HBP_JWT_KEY');
  const client = await connectPg(from);
  try {
    for await (const page of keysetPages<Account>(client, ACCOUNTS, 'id', '00000000-0000-0000-0000-000000000000')) {
      const ids = page.map((a) => a.account_id);
      const [roles, providers, tokens] = await Promise.all([
        groupedBy<{ account_id: string; role: string }>(
          client,
          'select account_id, role from auth.account_roles where account_id = any($1)',
          ids,
          'account_id',
        ),
        groupedBy<{ account_id: string; auth_provider: string; auth_provider_unique_id: string }>(
          client,
          `select account_id, auth_provider, auth_provider_unique_id from auth.account_providers
            where account_id = any($1)`,
          ids,
          'account_id',
        ),
        groupedBy<{ account_id: string; refresh_token: string; created_at: Date; expires_at: Date }>(
          client,
          `select account_id, refresh_token::text as refresh_token, created_at, expires_at from auth.refresh_tokens
            where account_id = any($1) and expires_at > now()`,
          ids,
          'account_id',
        ),
      ]);
      // Sequential queries on one client: the Promise.all above only saves awaiting each in turn.
      for (const a of page) {
        if (!a.email) {
          yield { skip: `account ${a.account_id}: ${a.is_anonymous ? 'anonymous' : 'no email'}, not imported` };
          continue;
        }
        const own = (roles.get(a.account_id) ?? []).map((r) => r.role);
        yield {
          user: {
            id: a.id,
            email: a.email,
            displayName: a.display_name,
            avatarUrl: a.avatar_url,
            defaultRole: a.default_role,
            roles: own.includes(a.default_role) ? own : [...own, a.default_role],
            active: a.active,
            disabled: false,
            // HBP activates an account when its email is confirmed.
            emailVerified: a.active,
            passwordHash: a.password_hash,
            metadata: a.custom_register_data ?? {},
            createdAt: a.created_at.toISOString(),
            ...(a.otp_secret && {
              mfa: { secret: a.otp_secret, enabledAt: a.mfa_enabled ? a.created_at.toISOString() : null },
            }),
            identities: (providers.get(a.account_id) ?? []).map((p) => ({
              provider: p.auth_provider,
              subject: p.auth_provider_unique_id,
            })),
            refreshTokens: (tokens.get(a.account_id) ?? []).map((t) => ({
              hash: sha256(t.refresh_token),
              createdAt: t.created_at.toISOString(),
              expiresAt: t.expires_at.toISOString(),
            })),
          },
        };
      }
    }
  } finally {
    await client.end();
  }
}
