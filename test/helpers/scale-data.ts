import type pg from 'pg';

/** How many rows `growDatabase` writes, from the number of users (the proportions). */
export function scaleOf(users: number) {
  return {
    users,
    refreshTokens: users * 3,
    sessions: users * 2,
    apiTokens: Math.ceil(users / 4),
    tickets: Math.ceil(users / 10),
    audit: users * 10,
    files: Math.max(1000, Math.ceil(users / 50)),
    loginFailures: Math.ceil(users / 10),
    reservations: Math.ceil(users / 50),
  };
}
export type Scale = ReturnType<typeof scaleOf>;

/**
 * Grows a migrated PostgreSQL database by SQL alone (generate_series), in the proportions of
 * issue 24: about a sixth of tokens, sessions and tickets expired, audit entries over 180 days,
 * a folder per 10 users. User n is `u<n>@scale.example` (username `u<n>`), the file folders
 * `user/<owner id>/`. Ends with VACUUM ANALYZE, so the planner knows the sizes and index-only scans work.
 */
export async function growDatabase(c: pg.Client | pg.Pool, s: Scale): Promise<void> {
  const user = (g: string) => `md5('u' || (${g} % ${s.users} + 1))::uuid`;
  const expiry = (g: string) => `now() + ((${g} % 60) - 10) * interval '1 day'`;
  const statements = [
    `insert into users (id, email, username, default_role, active, password_hash, created_at, updated_at)
       select md5('u' || g)::uuid, 'u' || g || '@scale.example', 'u' || g, 'user', true, null,
              now() - g * interval '1 second', now() from generate_series(1, ${s.users}) g`,
    `insert into sessions (id, user_id, door, created_at, expires_at)
       select md5('s' || g)::uuid, ${user('g')}, 'hbp', now(), ${expiry('g')} from generate_series(1, ${s.sessions}) g`,
    `insert into refresh_tokens (hash, family_id, user_id, expires_at, created_at)
       select 'rt' || g, md5('s' || (g % ${s.sessions} + 1))::uuid, ${user('g')}, ${expiry('g')}, now()
         from generate_series(1, ${s.refreshTokens}) g`,
    `insert into api_tokens (hash, id, user_id, kind, session_id, created_at)
       select 'at' || g, md5('a' || g)::uuid, ${user('g')}, 'rocketchat', md5('s' || g)::uuid, now()
         from generate_series(1, ${s.apiTokens}) g`,
    `insert into tickets (hash, purpose, user_id, email, expires_at, created_at)
       select 'tk' || g, 'password-reset', ${user('g')}, 'u' || g || '@scale.example', ${expiry('g')}, now()
         from generate_series(1, ${s.tickets}) g`,
    `insert into audit_log (at, actor, action, subject, outcome)
       select now() - (g % 180) * interval '1 day' - (g % 86400) * interval '1 second', ${user('g')}::text,
              (array['login', 'refresh.rotate', 'session.revoke', 'user.update', 'mfa.enable'])[g % 5 + 1],
              ${user('g + 1')}::text, 'success'
         from generate_series(1, ${s.audit}) g`,
    `insert into files (key, object_key, size, content_type, etag, owner_id, token_hash, created_at, updated_at)
       select 'user/' || ${user('(g % 1000)')} || '/f' || g, 'o' || g, 1, 'text/plain', 'e', ${user('(g % 1000)')},
              't' || g, now(), now() from generate_series(1, ${s.files}) g`,
    `insert into login_failures (key, at)
       select 'ip:' || (g % 5000), now() - (g % 180) * interval '1 minute' from generate_series(1, ${s.loginFailures}) g`,
    `insert into storage_reservations (id, user_id, bytes, expires_at)
       select md5('r' || g)::uuid, ${user('g')}, 1, ${expiry('g')} from generate_series(1, ${s.reservations}) g`,
    // As autovacuum leaves a table some time after its inserts: visible to index-only scans, with statistics.
    'vacuum analyze',
  ];
  for (const statement of statements) await c.query(statement);
}
