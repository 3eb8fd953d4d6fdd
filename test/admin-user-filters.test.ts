import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { userPageQuery } from '../src/db/queries/user-list.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD } from './helpers/auth.js';
import { cli } from './helpers/cli.js';

// Issue 24: the admin list's realm, role and state filters apply to the whole list on the server
// (keyset-paged like the rest), not to the page a client happened to fetch. The bug they guard:
// a filter that only sifts one page shows "no match" while matching users sit on later pages.

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };

interface Listed {
  users: { id: string; email: string; realm: string; roles: string[] }[];
  next_cursor: string | null;
}

async function createUser(t: TestApp, email: string, roles = ['user']) {
  const res = await t.request({
    method: 'POST',
    url: '/admin/users',
    headers: admin,
    payload: { email, password: PASSWORD, roles, default_role: roles[0] },
  });
  expect(res.statusCode).toBe(201);
  return (res.json() as { id: string }).id;
}

/** Every user the filter gives, following the cursors, checking no page repeats a user. */
async function walk(t: TestApp, query: string, limit = 3): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await t.request({
      url: `/admin/users?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    const page = res.json() as Listed;
    expect(page.users.length).toBeLessThanOrEqual(limit);
    seen.push(...page.users.map((u) => u.email));
    cursor = page.next_cursor;
  } while (cursor);
  expect(new Set(seen).size).toBe(seen.length);
  return seen;
}

const post = (t: TestApp, url: string, payload?: object) =>
  t.request({ method: url.endsWith('/realm') ? 'PUT' : 'POST', url, headers: admin, payload });

describe.each(DATABASES)('admin user list filters on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET });

  it('filters the whole list by realm, role and state, across pages, alone and combined with search', async () => {
    const t = get();
    expect((await post(t, '/admin/realms', { name: 'north' })).statusCode).toBe(201);
    // 30 ordinary users first, so that the ones a filter finds lie beyond the first pages.
    for (let i = 0; i < 30; i++) await createUser(t, `plain${i}@filters.test`);
    const ids: Record<string, string> = {};
    for (const name of ['disabled', 'banned', 'inactive', 'north1', 'north2', 'editor1', 'editor2', 'banned-past'])
      ids[name] = await createUser(
        t,
        `${name}@filters.test`,
        name.startsWith('editor') ? ['user', 'editor'] : ['user'],
      );
    expect((await post(t, `/admin/users/${ids.disabled}/disable`)).statusCode).toBe(204);
    const inDays = (days: number) => new Date(t.clock.now().getTime() + days * 86_400_000).toISOString();
    expect((await post(t, `/admin/users/${ids.banned}/ban`, { until: inDays(2) })).statusCode).toBe(204);
    expect((await post(t, `/admin/users/${ids['banned-past']}/ban`, { until: inDays(0.5) })).statusCode).toBe(204);
    const inactive = await t.request({
      method: 'POST',
      url: '/admin/users',
      headers: admin,
      payload: { email: 'made-inactive@filters.test', password: PASSWORD, active: false },
    });
    expect(inactive.statusCode).toBe(201);
    for (const n of ['north1', 'north2'])
      expect((await post(t, `/admin/users/${ids[n]}/realm`, { realm: 'north' })).statusCode).toBe(204);

    expect(await walk(t, 'realm=north')).toEqual(['north1@filters.test', 'north2@filters.test']);
    expect(await walk(t, 'role=editor', 1)).toEqual(['editor1@filters.test', 'editor2@filters.test']);
    expect(await walk(t, 'state=disabled')).toEqual(['disabled@filters.test']);
    expect(await walk(t, 'state=banned')).toEqual(['banned@filters.test', 'banned-past@filters.test']);
    // A day later one ban has ended: that user is active again, on the server's clock.
    t.clock.advance(86_400_000);
    expect(await walk(t, 'state=banned')).toEqual(['banned@filters.test']);
    expect(await walk(t, 'state=inactive')).toEqual(['made-inactive@filters.test']);
    const active = await walk(t, 'state=active', 7);
    expect(active).toContain('plain29@filters.test');
    expect(active).toContain('north2@filters.test');
    expect(active).not.toContain('disabled@filters.test');
    expect(active).not.toContain('banned@filters.test');
    expect(active).not.toContain('made-inactive@filters.test');
    expect(active).toContain('banned-past@filters.test');
    // Filters combine with each other and with the indexed search (on SQLite, the FTS5 path).
    expect(await walk(t, 'role=editor&state=active&search=itor2')).toEqual(['editor2@filters.test']);
    expect(await walk(t, 'realm=north&search=filters.test', 1)).toEqual(['north1@filters.test', 'north2@filters.test']);
    expect(await walk(t, 'realm=north&state=disabled')).toEqual([]);
    expect(await walk(t, 'realm=nowhere')).toEqual([]);
  });

  // A role more than RARE_ROLE (2,000) users hold: on SQLite the list walks users in order and checks each one's
  // roles (the path a common role takes); on PostgreSQL the planner chooses. Either way, following the cursors
  // must give every holder once, in list order, with no gap and no repeat, while users are created between pages.
  it('pages a role held by more than 2,000 users by cursor: each holder once, in order, while users are added', async () => {
    const t = get();
    const k = t.app.services.db.kysely;
    const now = t.clock.now();
    const HOLDERS = 2300;
    // Seeded by SQL (thousands of HTTP calls would take minutes): every third user of the series does not hold it.
    const series = sql`with recursive s(i) as (select 1 union all select i + 1 from s where i < ${(HOLDERS * 3) / 2})`;
    const uuid = db === 'postgres' ? sql`gen_random_uuid()` : sql`lower(hex(randomblob(16)))`;
    const flags = db === 'postgres' ? sql`true, false, false` : sql`1, 0, 0`;
    const padded = db === 'postgres' ? sql`lpad(i::text, 5, '0')` : sql`substr('0000' || i, -5, 5)`;
    if (db === 'postgres')
      await sql`${series} insert into users (id, email, default_role, active, disabled, email_verified, metadata,
          created_at, updated_at)
        select ${uuid}, 'member' || ${padded} || '@roles.test', 'user', ${flags}, '{}', ${now}, ${now} from s
        order by i`.execute(k);
    else {
      const last = await sql<{ last: number }>`select last from numeric_id_sequence where id = 1`.execute(k);
      await sql`${series} insert into users (id, email, default_role, active, disabled, email_verified, metadata,
          created_at, updated_at, numeric_id)
        select ${uuid}, 'member' || ${padded} || '@roles.test', 'user', ${flags}, '{}', ${now}, ${now},
          ${last.rows[0]!.last} + i from s`.execute(k);
    }
    await sql`insert into user_roles (user_id, role) select id, 'user' from users where email like 'member%'`.execute(
      k,
    );
    await sql`insert into user_roles (user_id, role) select id, 'crew' from users
      where email like 'member%' and cast(substr(email, 7, 5) as integer) % 3 <> 0`.execute(k);
    const holders = [...Array((HOLDERS * 3) / 2).keys()]
      .map((n) => n + 1)
      .filter((n) => n % 3 !== 0)
      .map((n) => `member${String(n).padStart(5, '0')}@roles.test`);
    expect(holders).toHaveLength(HOLDERS);
    const seen: string[] = [];
    const late: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.request({
        url: `/admin/users?role=crew&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        headers: admin,
      });
      expect(res.statusCode).toBe(200);
      const page = res.json() as Listed;
      expect(page.users.length).toBeLessThanOrEqual(200);
      for (const u of page.users) expect(u.roles).toContain('crew');
      seen.push(...page.users.map((u) => u.email));
      cursor = page.next_cursor;
      // New holders (and a user without the role) arrive while the admin pages: they come at the end, once.
      if (cursor && late.length < 6) {
        const email = `zz-late${late.length}@roles.test`;
        await createUser(t, email, ['user', 'crew']);
        await createUser(t, `zz-other${late.length}@roles.test`);
        late.push(email);
      }
    } while (cursor);
    expect(seen).toEqual([...holders, ...late]);
  });

  it('refuses a state that does not exist and a malformed role with a 400', async () => {
    const t = get();
    for (const query of ['state=sleeping', 'role=a%20b', 'realm=', `realm=${'r'.repeat(65)}`]) {
      const res = await t.request({ url: `/admin/users?${query}`, headers: admin });
      expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
    }
  });

  it('filters on the command line too', async () => {
    const t = get();
    await createUser(t, 'cli-editor@filters.test', ['user', 'editor']);
    await createUser(t, 'cli-plain@filters.test');
    const env = {
      DATA_DIR: t.config.dataDir,
      DATABASE_URL: t.config.database.kind === 'postgres' ? t.config.database.url : undefined,
      LOG_LEVEL: 'silent',
      ADMIN_SECRET,
    };
    const res = await cli(['users', 'list', '--role', 'editor', '--state', 'active', '--format', 'json'], env);
    expect(res.code).toBe(0);
    const emails = (JSON.parse(res.stdout) as Listed).users.map((u) => u.email);
    expect(emails).toContain('cli-editor@filters.test');
    expect(emails).not.toContain('cli-plain@filters.test');
  });

  // PostgreSQL's plans are checked on a grown database by test/query-plans.test.ts. SQLite keeps no statistics,
  // so its plan is the same at any size: each filter must read its index in list order, never sort the users
  // it found (a temporary B-tree would sort a million users of a common realm or role for every page).
  // A role few users hold (RARE_ROLE or fewer) is read from its holders: walking the list for it read the whole
  // users table on SQLite.
  it.runIf(db === 'sqlite')('reads each filter in list order through its index on SQLite, without sorting', () => {
    const t = get();
    const now = t.clock.now();
    const planOf = (o: Parameters<typeof userPageQuery>[2]) => {
      const q = userPageQuery(t.app.services.db.kysely, 'sqlite', o).compile();
      const params = q.parameters.map((p) => (p instanceof Date ? p.toISOString() : p));
      const rows = t.app.services.db.sqlite!.prepare(`explain query plan ${q.sql}`).all(...params);
      return (rows as { detail: string }[]).map((r) => r.detail).join(' | ');
    };
    const plans = {
      realm: planOf({ limit: 51, after: 10, realm: 'north' }),
      role: planOf({ limit: 51, after: 10, role: 'editor' }),
      rareRole: planOf({ limit: 51, after: 10, role: 'editor', fewHolders: true }),
      disabled: planOf({ limit: 51, after: 10, state: { is: 'disabled', now } }),
      banned: planOf({ limit: 51, after: 10, state: { is: 'banned', now } }),
      inactive: planOf({ limit: 51, after: 10, state: { is: 'inactive', now } }),
      active: planOf({ limit: 51, after: 10, state: { is: 'active', now } }),
    };
    for (const [name, plan] of Object.entries(plans))
      expect(plan, name).not.toMatch(/TEMP B-TREE|SCAN users( |$)(?!USING)/);
    expect(plans.realm).toMatch(/users_realm_numeric/);
    expect(plans.disabled).toMatch(/users_disabled/);
    expect(plans.banned).toMatch(/users_banned/);
    expect(plans.inactive).toMatch(/users_inactive/);
    // A role few users hold: its holders from user_roles_role, not a walk of every user (the list counts first).
    expect(plans.rareRole).toMatch(/user_roles_role/);
    expect(plans.role).not.toMatch(/user_roles_role/);
  });
});
